// The one decision whether a session's workload should exist, and what is removed when it must not.
// Pure. The plan (step 2) is built only when the session is meant to run, so a stopped session is
// never failed by a rule that only matters when it starts.
import type { BuildError, Result } from '../types.ts';
import type { SessionPlan } from './plan.ts';

export type WorkloadIntent =
  | { run: true; plan: SessionPlan }
  | {
      run: false;
      /** Why not: stopped, expired, cannot run as asked, failed before, waits for its image or for a quota. */
      why: 'stopped' | 'expired' | 'refused' | 'failed' | 'waiting' | 'queued';
      /** Stopped or failed sessions keep their credentials for a resume; expired ones are history. */
      keepCredentials: boolean;
      /** The builders' refusal, when they refused. */
      refusal?: BuildError;
    };

export interface IntentFacts {
  state: 'Running' | 'Stopped';
  expired: boolean;
  /** Admission refused the session for good. */
  refused: boolean;
  /** A workload failure of this generation is kept until the spec changes. */
  sticky: boolean;
  /** A Quota has no room for it yet (operator/quotas/): it waits, and no workload is created. */
  queued?: boolean;
}

/** `plan` is undefined while an input is missing (the image is not in the catalogue yet). */
export function workloadIntent(f: IntentFacts, plan: () => Result<SessionPlan> | undefined): WorkloadIntent {
  type Stop = Extract<WorkloadIntent, { run: false }>;
  const stop = (why: Stop['why']): Stop => ({
    run: false,
    why,
    keepCredentials: why !== 'expired',
  });
  if (f.expired) return stop('expired');
  if (f.refused) return stop('refused');
  if (f.sticky) return stop('failed');
  if (f.state !== 'Running') return stop('stopped');
  if (f.queued) return stop('queued');
  const planned = plan();
  if (!planned) return stop('waiting');
  if (!planned.ok) return { ...stop('refused'), refusal: planned.error };
  return { run: true, plan: planned.value };
}
