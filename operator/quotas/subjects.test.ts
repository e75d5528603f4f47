import { describe, expect, it } from 'vitest';
import { GROUPS_ANNOTATION } from '../../crds/index.ts';
import { session } from '../sessions/fixtures.ts';
import { entry, quota } from './fixtures.ts';
import { applicableQuotas, countedEntries, stampedGroups, subjectOf } from './subjects.ts';

const each = quota('default-per-user', { kind: 'EachUser' }, { sessions: 5 });
const own = quota('user-akowalska', { kind: 'User', name: 'akowalska' }, { sessions: 10 });
const other = quota('user-jdupont', { kind: 'User', name: 'jdupont' }, { sessions: 1 });
const staff = quota('group-staff', { kind: 'Group', name: 'beamline-staff' }, { sessions: 8 });
const mx = quota('proposal-mx-2451', { kind: 'Proposal', name: 'MX-2451' }, { sessions: 20 });
const names = (qs: { metadata: { name: string } }[]) => qs.map((q) => q.metadata.name);

describe('which quotas apply to a session', () => {
  const subject = { owner: 'akowalska', proposal: 'MX-2451', groups: ['beamline-staff'] };

  it('the user quota is the most specific one: a User quota wins over the EachUser default', () => {
    expect(names(applicableQuotas({ ...subject, groups: [] }, [each, other]))).toEqual(['default-per-user']);
    expect(names(applicableQuotas({ ...subject, groups: [] }, [each, own, other]))).toEqual([
      'user-akowalska',
    ]);
  });

  it('every group and proposal quota that applies holds too, in name order', () => {
    expect(names(applicableQuotas(subject, [mx, staff, each, own]))).toEqual([
      'group-staff',
      'proposal-mx-2451',
      'user-akowalska',
    ]);
    expect(names(applicableQuotas({ ...subject, groups: [], proposal: 'XY-1' }, [mx, staff]))).toEqual([]);
  });

  it('a quota being deleted no longer applies', () => {
    const leaving = { ...own, metadata: { ...own.metadata, deletionTimestamp: '2026-12-01T12:00:00Z' } };
    expect(names(applicableQuotas({ ...subject, groups: [] }, [each, leaving]))).toEqual([
      'default-per-user',
    ]);
  });

  it('groups come only from the stamped annotation', () => {
    const s = session();
    expect(subjectOf(s).groups).toEqual([]);
    const stamped = {
      ...s,
      metadata: {
        ...s.metadata,
        annotations: { [GROUPS_ANNOTATION]: 'beamline-staff,system:authenticated' },
      },
    };
    expect(stampedGroups(stamped)).toEqual(['beamline-staff', 'system:authenticated']);
    const empty = { ...s, metadata: { ...s.metadata, annotations: { [GROUPS_ANNOTATION]: '' } } };
    expect(stampedGroups(empty)).toEqual([]);
  });

  it('an EachUser quota counts each user apart; the others count everyone', () => {
    const ledger = [entry(1, 'akowalska'), entry(2, 'jdupont'), entry(3, 'akowalska')];
    const eachWith = quota('default-per-user', { kind: 'EachUser' }, { sessions: 5 }, ledger);
    const mxWith = quota('proposal-mx-2451', { kind: 'Proposal', name: 'MX-2451' }, { sessions: 5 }, ledger);
    expect(countedEntries(eachWith, 'akowalska').map((e) => e.uid)).toEqual(['s-1', 's-3']);
    expect(countedEntries(mxWith, 'akowalska')).toHaveLength(3);
  });
});
