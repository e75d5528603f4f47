import { describe, expect, it } from 'vitest';
import { session } from '../sessions/fixtures.ts';
import { entry, quota } from './fixtures.ts';
import { firstRefusal, heldBy, lifetimeCap, resizeRefusal } from './policy.ts';

const ask = { cpu: '2', memory: '8Gi', gpus: 0 };
const five = (n: number) => Array.from({ length: n }, (_, i) => entry(i));
const each = (limits: Parameters<typeof quota>[2], n = 0) =>
  quota('default-per-user', { kind: 'EachUser' }, limits, five(n));

describe('the quota policy: the first limit a session would exceed wins', () => {
  it('names the quota, what is used and what to do', () => {
    const q = each({ sessions: 5 }, 5);
    expect(firstRefusal(ask, [{ quota: q, held: q.status?.ledger ?? [], ahead: [] }])).toEqual({
      quota: 'default-per-user',
      message:
        'You use 5 of 5 sessions (quota default-per-user). Stop a session or ask the facility to raise the quota.',
    });
    expect(firstRefusal(ask, [{ quota: q, held: five(4), ahead: [] }])).toBeUndefined();
  });

  it('checks cpu, memory, GPUs and disk as exact sums, and says what is asked', () => {
    const q = each({ cpu: '9', memory: '30Gi', gpus: 1, disk: '80Gi' });
    expect(
      firstRefusal({ cpu: '3', memory: '6Gi', gpus: 1 }, [{ quota: q, held: five(3), ahead: [] }]),
    ).toBeUndefined();
    expect(
      firstRefusal({ cpu: '3500m', memory: '1Gi', gpus: 0 }, [{ quota: q, held: five(3), ahead: [] }])
        ?.message,
    ).toBe(
      'You use 6 of 9 cpu, and this session asks for 3500m (quota default-per-user). Stop a session or ask the facility to raise the quota.',
    );
    expect(
      firstRefusal({ cpu: '1', memory: '8Gi', gpus: 0 }, [{ quota: q, held: five(3), ahead: [] }])?.message,
    ).toContain('You use 24Gi of 30Gi memory, and this session asks for 8Gi');
    expect(
      firstRefusal({ cpu: '1', memory: '1Gi', gpus: 2 }, [{ quota: q, held: [], ahead: [] }])?.message,
    ).toContain('You use 0 of 1 GPUs, and this session asks for 2');
    expect(
      firstRefusal({ cpu: '1', memory: '1Gi', gpus: 0, disk: '50Gi' }, [
        { quota: q, held: [entry(1, 'a', { disk: '40Gi' })], ahead: [] },
      ])?.message,
    ).toContain('You use 40Gi of 80Gi disk, and this session asks for 50Gi');
  });

  it('every applicable quota must hold: a group or proposal quota refuses in its own words', () => {
    const user = each({ sessions: 5 });
    const mx = quota('proposal-mx-2451', { kind: 'Proposal', name: 'MX-2451' }, { sessions: 2 });
    const staff = quota('group-staff', { kind: 'Group', name: 'beamline-staff' }, { sessions: 1 });
    expect(
      firstRefusal(ask, [
        { quota: user, held: [], ahead: [] },
        { quota: mx, held: five(2), ahead: [] },
      ])?.message,
    ).toMatch(/^Proposal MX-2451 uses 2 of 2 sessions \(quota proposal-mx-2451\)/);
    expect(firstRefusal(ask, [{ quota: staff, held: five(1), ahead: [] }])?.message).toMatch(
      /^The group beamline-staff uses 1 of 1 session \(quota group-staff\)/,
    );
  });

  it('older sessions waiting for the quota go first: no overtaking', () => {
    const q = each({ sessions: 5 });
    const waiting = [ask, ask];
    expect(firstRefusal(ask, [{ quota: q, held: five(3), ahead: [ask] }])).toBeUndefined();
    expect(firstRefusal(ask, [{ quota: q, held: five(3), ahead: waiting }])?.message).toBe(
      'You use 3 of 5 sessions and 2 older sessions wait before this one (quota default-per-user). Stop a session or ask the facility to raise the quota.',
    );
  });

  it('an unset limit is not enforced', () => {
    expect(firstRefusal(ask, [{ quota: each({}), held: five(100), ahead: [] }])).toBeUndefined();
  });
});

describe('a resize of a running session', () => {
  const from = { cpu: '2', memory: '8Gi', gpus: 0 };
  const q = each({ sessions: 1, cpu: '6', memory: '16Gi', gpus: 1 });
  const others = five(2);

  it('is checked for what grows, naming the quota, what would be used and what is asked', () => {
    expect(
      resizeRefusal(from, { ...from, cpu: '2' }, [{ quota: q, held: others, ahead: [] }]),
    ).toBeUndefined();
    expect(resizeRefusal(from, { ...from, cpu: '3' }, [{ quota: q, held: others, ahead: [] }])).toEqual({
      quota: 'default-per-user',
      message:
        'The resize was not applied: with 3 cpu for this session, you would use 7 of 6 cpu (quota default-per-user). The session keeps running with 2 cpu; the resize applies by itself once there is room. Stop another session, ask for less, or ask the facility to raise the quota.',
    });
    expect(resizeRefusal(from, { ...from, gpus: 2 }, [{ quota: q, held: [], ahead: [] }])?.message).toContain(
      'with 2 GPUs for this session, you would use 2 of 1 GPUs',
    );
  });

  it('never refuses what shrinks, nor counts sessions or waiting ones (a quota lowered below use)', () => {
    const lowered = each({ sessions: 1, cpu: '1', memory: '1Gi' });
    const shrink = { cpu: '1', memory: '4Gi', gpus: 0 };
    expect(
      resizeRefusal(from, shrink, [{ quota: lowered, held: others, ahead: [ask, ask] }]),
    ).toBeUndefined();
    // Only memory grows: cpu, over the lowered limit already, is not held against it.
    expect(
      resizeRefusal(from, { ...from, memory: '9Gi' }, [{ quota: lowered, held: [], ahead: [] }])?.message,
    ).toContain('with 9Gi memory for this session, you would use 9Gi of 1Gi memory');
  });

  it('speaks of a group or a proposal in their words', () => {
    const staff = quota('group-staff', { kind: 'Group', name: 'beamline-staff' }, { cpu: '4' });
    expect(
      resizeRefusal(from, { ...from, cpu: '3' }, [{ quota: staff, held: others, ahead: [] }])?.message,
    ).toContain('the group beamline-staff would use 7 of 4 cpu (quota group-staff)');
  });
});

describe('lifetime and the waiting session', () => {
  it('the shortest maxLifetime of the applicable quotas caps the lifetime', () => {
    const a = quota('a', { kind: 'EachUser' }, { maxLifetime: '168h' });
    const b = quota('b', { kind: 'Proposal', name: 'MX-2451' }, { maxLifetime: '24h' });
    expect(lifetimeCap([a, b])).toEqual({ ms: 24 * 3_600_000, quota: 'b' });
    expect(lifetimeCap([quota('c', { kind: 'EachUser' }, {})])).toBeUndefined();
  });

  it('reads the quota a Queued session waits for from its condition', () => {
    const s = session();
    const queued = {
      ...s,
      status: {
        conditions: [
          {
            type: 'QuotaAdmitted',
            status: 'False' as const,
            reason: 'QuotaExceeded',
            message: 'You use 5 of 5 sessions (quota default-per-user). Stop a session.',
            lastTransitionTime: '2026-12-01T12:00:00Z',
          },
        ],
      },
    };
    expect(heldBy(queued)).toBe('default-per-user');
    // A running session whose resize waits for room is woken by that quota too.
    const resizing = {
      ...queued,
      status: {
        conditions: [
          {
            type: 'QuotaAdmitted',
            lastTransitionTime: '2026-12-01T12:00:00Z',
            status: 'True' as const,
            reason: 'ResizeExceedsQuota',
            message: 'The resize was not applied: … (quota group-staff). …',
          },
        ],
      },
    };
    expect(heldBy(resizing)).toBe('group-staff');
    expect(heldBy(s)).toBeUndefined();
    expect(heldBy({ ...queued, spec: { ...queued.spec, state: 'Stopped' } })).toBeUndefined();
  });
});
