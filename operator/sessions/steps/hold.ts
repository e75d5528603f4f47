// Make-before-break for changes the session cannot take: when admission or the builders refuse the
// session's spec while its workload runs (a request above the image's maximum, a data path that
// leaves the proposal), the running workload is kept as it is instead of removed, and the status says
// what was refused. Pure; the workload step observes the kept workload without writing.
import type { SessionReason } from '../../../crds/index.ts';
import type { SessionInputs } from '../pass.ts';
import type { WorkloadRuntime } from '../workloads/types.ts';
import type { Admission } from './admit.ts';
import type { DataOutcome } from './data.ts';
import type { WorkloadIntent } from './intent.ts';

/** A running workload kept through a refused change, and the refusal. */
export interface Held {
  runtime: WorkloadRuntime;
  reason: SessionReason;
  /** The refusal, naming the field and the rule. */
  message: string;
  /** The sentence the status adds, when the refusal says itself what happens next (a quota's). */
  notice?: string;
}

/** The data of a held workload: attached, since it runs with it. */
export const HELD_DATA: DataOutcome = {
  attached: true,
  replaced: false,
  verdict: { type: 'DataReady', status: 'True', reason: 'Attached', message: 'proposal data attached' },
};

/** The workload to keep through a refused change, if one runs (undefined: the pass goes on as usual). */
export function heldWorkload(
  p: Pick<SessionInputs, 'workload'>,
  intent: WorkloadIntent,
  admission: Admission,
): Held | undefined {
  if (intent.run || intent.why !== 'refused') return undefined;
  if (!p.workload || p.workload.object.metadata.deletionTimestamp) return undefined;
  const runtime = p.workload.runtime;
  if (intent.refusal) {
    const { reason, field, message } = intent.refusal;
    return { runtime, reason, message: `${field}: ${message}` };
  }
  return { runtime, reason: admission.verdict.reason, message: admission.verdict.message };
}

/** A running workload kept because its resize does not fit a Quota (operator/quotas/gate.ts). */
export function heldForQuota(
  p: Pick<SessionInputs, 'workload'>,
  refusal: string | undefined,
): Held | undefined {
  if (refusal === undefined || !p.workload || p.workload.object.metadata.deletionTimestamp) return undefined;
  return { runtime: p.workload.runtime, reason: 'ResizeExceedsQuota', message: refusal, notice: refusal };
}

/** The sentence the status message adds while a refused change waits. */
export function heldNotice(held: Held): string {
  if (held.notice !== undefined) return held.notice;
  const refusal = held.message.replace(/\.?\s*$/, '.');
  return `The latest change to the session was refused: ${refusal} It keeps running as it was; change the session again (or stop it) to go on.`;
}
