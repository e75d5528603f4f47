import { describe, expect, it } from 'vitest';
import { admit, proposalNamespace } from './admit.ts';
import { image, jupyterImage, proposalNamespace as ns, session } from '../fixtures.ts';

// The fixture image lists no availability; these tests are about the other rules.
const open = image('jupyter-scipy', { ...jupyterImage.spec, availability: { everyone: true } });

describe('operator admission', () => {
  it('accepts a session that fits its image and proposal, with the effective resources', () => {
    const a = admit(session(), open, ns);
    expect(a).toMatchObject({ terminal: false, verdict: { status: 'True', reason: 'Accepted' } });
    expect(a.resources?.cpu).toBeDefined();
  });

  it('refuses an image that no one was given', () => {
    expect(admit(session(), jupyterImage, ns).verdict.reason).toBe('ImageNotAllowed');
  });

  it.each([
    ['a missing image waits', undefined, ns, 'ImageNotFound', false],
    ['a namespace without a proposal label', open, undefined, 'NotAProposalNamespace', true],
    ['another proposal', open, { ...ns, proposal: 'MX-9999' }, 'ProposalMismatch', true],
    [
      'an image for other proposals',
      image('private', { availability: { proposals: ['MX-1'] } }),
      ns,
      'ImageNotAllowed',
      true,
    ],
    [
      'a retired image',
      image('old', { availability: { everyone: true }, disabled: true }),
      ns,
      'ImageDisabled',
      true,
    ],
  ] as const)('refuses %s', (_what, img, namespace, reason, terminal) => {
    const a = admit(session('s', {}, img?.metadata.name ?? 'missing'), img, namespace);
    expect(a.verdict).toMatchObject({ status: 'False', reason });
    expect(a.terminal).toBe(terminal);
  });

  it('names the field of a request above the image maximum', () => {
    const a = admit(session('s', { resources: { memory: '1Ti' } }), open, ns);
    expect(a.verdict.reason).toBe('ResourcesExceedImageMaximum');
    expect(a.verdict.message).toMatch(/^spec\.resources\.memory: /);
  });

  it('lets a started session keep running on a retired image', () => {
    const s = session();
    s.status = { startedAt: '2026-11-26T10:00:00Z' };
    expect(admit(s, image('jupyter-scipy', { ...open.spec, disabled: true }), ns).terminal).toBe(false);
  });

  it('reads a proposal namespace from its label and annotations', () => {
    const parsed = proposalNamespace(
      {
        metadata: {
          name: 'p',
          labels: { 'daas.calipsoplus.eu/proposal': 'MX-1' },
          annotations: { 'daas.calipsoplus.eu/beamline': 'id16a', 'daas.calipsoplus.eu/uid': '24510' },
        },
      },
      'p',
    );
    expect(parsed).toMatchObject({ proposal: 'MX-1', beamline: 'id16a', uid: 24510 });
    expect(proposalNamespace({ metadata: { name: 'q' } }, 'q')).toBeUndefined();
  });
});
