import { describe, expect, it } from 'vitest';
import { session } from './fixtures.ts';
import { SESSION_LABEL } from '../../crds/index.ts';
import { childName, labelValue, sessionAnnotations, sessionLabels, sessionSelector } from './names.ts';

const rfc1035Label = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const labelValueSyntax = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

describe('childName', () => {
  it('keeps a short session name readable', () => {
    expect(childName('quick-look')).toBe('daas-quick-look');
  });

  it.each([
    'a',
    '1-starts-with-a-digit',
    'x'.repeat(63),
    'y'.repeat(253),
    'dotted.session.name',
    `${'z'.repeat(57)}-abcde`,
  ])('is a DNS label (RFC 1035, at most 63 characters) for %s', (name) => {
    const child = childName(name);
    expect(child).toMatch(rfc1035Label);
    expect(child.length).toBeLessThanOrEqual(63);
    expect(childName(name)).toBe(child);
  });

  it('never maps two session names to one child name', () => {
    const long = 'x'.repeat(63);
    expect(childName(long)).not.toBe(childName(`${long.slice(0, 62)}y`));
    expect(childName('a.b')).not.toBe(childName('a-b'));
  });
});

describe('labels', () => {
  it('carry the standard labels and the session, owner, proposal and image', () => {
    expect(sessionLabels(session('quick-look'))).toEqual({
      'app.kubernetes.io/name': 'daas-session',
      'app.kubernetes.io/managed-by': 'daas-operator',
      'app.kubernetes.io/instance': 'quick-look',
      [SESSION_LABEL]: 'quick-look',
      'daas.calipsoplus.eu/owner': 'akowalska',
      'daas.calipsoplus.eu/proposal': 'MX-2451',
      'daas.calipsoplus.eu/image': 'jupyter-scipy',
    });
    expect(SESSION_LABEL).toBe('daas.calipsoplus.eu/session');
    expect(sessionSelector('quick-look')).toEqual({ [SESSION_LABEL]: 'quick-look' });
  });

  it.each([
    'alice@esrf.fr',
    'user:with+plus',
    'ends-with-dash-',
    '@@@',
    'u'.repeat(128),
    'CN=Alice,O=Facility',
  ])('sanitize user name %s to a valid, distinct label value', (owner) => {
    const value = labelValue(owner);
    expect(value).toMatch(labelValueSyntax);
    expect(value.length).toBeLessThanOrEqual(63);
    expect(value).not.toBe(owner);
  });

  it('use the sanitized owner on the session labels, and keep the exact owner in an annotation', () => {
    const s = session('s', { owner: 'alice@esrf.fr' });
    expect(sessionLabels(s)['daas.calipsoplus.eu/owner']).toBe(labelValue('alice@esrf.fr'));
    expect(sessionAnnotations(s)['daas.calipsoplus.eu/owner']).toBe('alice@esrf.fr');
  });

  it('keep valid values as they are and tell sanitized look-alikes apart', () => {
    expect(labelValue('akowalska')).toBe('akowalska');
    expect(labelValue('a@b')).not.toBe(labelValue('a+b'));
  });
});
