import { describe, expect, it } from 'vitest';
import { session } from '../sessions/fixtures.ts';
import { entry, quota } from './fixtures.ts';
import { entryFor, restingSince, summarize, withEntry, withoutEntries } from './ledger.ts';
import { capacityFreed } from './wake.ts';

const each = (ledger = [entry(1), entry(2, 'jdupont', { gpus: 1, disk: '10Gi' })]) =>
  quota('default-per-user', { kind: 'EachUser' }, { sessions: 5 }, ledger);

describe('the ledger in a Quota status', () => {
  it('sums what the sessions hold, in total and per user (biggest users first)', () => {
    const status = summarize(
      each([entry(1), entry(2, 'jdupont'), entry(3, 'jdupont', { gpus: 1 })]),
      [entry(1), entry(2, 'jdupont'), entry(3, 'jdupont', { gpus: 1 })],
      4,
    );
    expect(status.used).toEqual({ sessions: 3, cpu: '6', memory: '24Gi', gpus: 1 });
    expect(status.queued).toBe(4);
    expect(status.users?.map((u) => [u.user, u.used.sessions])).toEqual([
      ['jdupont', 2],
      ['akowalska', 1],
    ]);
  });

  it('Proposal quotas show the total only', () => {
    const mx = quota('mx', { kind: 'Proposal', name: 'MX-2451' }, {}, [entry(1)]);
    expect(summarize(mx, [entry(1)], 0).users).toBeUndefined();
  });

  it('adds an entry once per session (by UID) and removes by UID', () => {
    const s = session();
    const added = withEntry(each([]), entryFor(s, { cpu: '2', memory: '8Gi', gpus: 0 }));
    expect(added.ledger).toEqual([
      {
        uid: s.metadata.uid,
        session: 'proposal-mx-2451/quick-look',
        user: 'akowalska',
        generation: 0,
        cpu: '2',
        memory: '8Gi',
      },
    ]);
    const q = { ...each([]), status: added };
    expect(withEntry(q, entryFor(s, { cpu: '4', memory: '8Gi', gpus: 0 })).ledger?.map((e) => e.cpu)).toEqual(
      ['4'],
    );
    expect(withoutEntries(each(), new Set(['s-1'])).ledger?.map((e) => e.uid)).toEqual(['s-2']);
  });

  it('releases a session only on a resting status written for the admitted generation or later', () => {
    const s = session();
    const at = (generation: number, observedGeneration: number, phase: 'Stopped' | 'Running' | 'Queued') => ({
      ...s,
      metadata: { ...s.metadata, generation },
      status: { phase, observedGeneration },
    });
    const admitted = { ...entry(1), generation: 3 };
    expect(restingSince(admitted, at(3, 3, 'Stopped'))).toBe(true);
    // A Stopped status from before the admission (the user set Running since) keeps the share.
    expect(restingSince(admitted, at(3, 2, 'Stopped'))).toBe(false);
    expect(restingSince(admitted, at(4, 3, 'Stopped'))).toBe(false);
    expect(restingSince(admitted, at(3, 3, 'Running'))).toBe(false);
    // Waiting sessions keep what they hold (it can only be over-counted, never under-counted).
    expect(restingSince(admitted, at(3, 3, 'Queued'))).toBe(false);
  });

  it('a released entry or a spec change wakes the waiting sessions; a new admission does not', () => {
    const before = each([entry(1)]);
    expect(capacityFreed(before, each([entry(1), entry(2)]))).toBe(false);
    expect(capacityFreed(each([entry(1), entry(2)]), before)).toBe(true);
    expect(capacityFreed(before, { ...before, metadata: { ...before.metadata, generation: 2 } })).toBe(true);
  });
});
