import { describe, expect, it, vi } from 'vitest';
import type { BuildError, Result } from '../types.ts';
import { workloadIntent, type IntentFacts } from './intent.ts';
import type { SessionPlan } from './plan.ts';

const runnable: IntentFacts = { state: 'Running', expired: false, refused: false, sticky: false };
const plan: SessionPlan = {
  data: { volumes: [], mounts: [], persistentVolumes: [], claims: [], notes: ['a recognisable plan'] },
  children: [],
};
const refusal: BuildError = {
  reason: 'RootNotAllowed',
  field: 'namespace proposal-mx-2451 uid annotation',
  message: 'sessions never run as root',
};

describe('workload intent: a session that must not run', () => {
  it.each([
    [
      'expired wins over refused, sticky and stopped',
      { expired: true, refused: true, sticky: true, state: 'Stopped' },
      'expired',
      false,
    ],
    ['expired alone', { expired: true }, 'expired', false],
    [
      'refused wins over sticky and stopped',
      { refused: true, sticky: true, state: 'Stopped' },
      'refused',
      true,
    ],
    ['a sticky failure wins over stopped', { sticky: true, state: 'Stopped' }, 'failed', true],
    ['stopped', { state: 'Stopped' }, 'stopped', true],
    ['stopped wins over waiting for a quota', { state: 'Stopped', queued: true }, 'stopped', true],
    ['waiting for a quota (no pod, credentials kept)', { queued: true }, 'queued', true],
  ] as const)('%s', (_what, facts, why, keepCredentials) => {
    const build = vi.fn(() => ({ ok: true as const, value: plan }));
    expect(workloadIntent({ ...runnable, ...facts }, build)).toEqual({ run: false, why, keepCredentials });
    // The plan is not even built: a rule that matters only at start must not fail a stopped session.
    expect(build).not.toHaveBeenCalled();
  });
});

describe('workload intent: a session meant to run', () => {
  it('waits, keeping its credentials, while an input of the plan is missing', () => {
    const build = vi.fn((): Result<SessionPlan> | undefined => undefined);
    expect(workloadIntent(runnable, build)).toEqual({ run: false, why: 'waiting', keepCredentials: true });
    expect(build).toHaveBeenCalledTimes(1);
  });

  it("is refused with the builder's own refusal", () => {
    const intent = workloadIntent(runnable, () => ({ ok: false, error: refusal }));
    expect(intent).toEqual({ run: false, why: 'refused', keepCredentials: true, refusal });
  });

  it('runs with exactly the plan that was built', () => {
    const intent = workloadIntent(runnable, () => ({ ok: true, value: plan }));
    expect(intent).toEqual({ run: true, plan });
    expect(intent.run && intent.plan).toBe(plan);
  });
});
