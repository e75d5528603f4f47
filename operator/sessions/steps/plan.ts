// Step 2, plan: everything the session needs, built purely from its inputs before anything is
// written, so a refusal (a data path that leaves the proposal, a root uid, ...) touches nothing.
import { Secrets } from '../../../runtime/resources.ts';
import { generateSecret, type SessionCredentials } from '../credentials.ts';
import { dataVolumes, type DataVolumes } from '../data-volumes.ts';
import type { BuildInput, Result } from '../types.ts';
import type { Child, WorkloadRuntime } from '../workloads/types.ts';

export interface SessionPlan {
  data: DataVolumes;
  /** The credentials Secret first, then the runtime's objects in the order it gave them. */
  children: Child[];
}

export function planSession(
  input: BuildInput,
  runtime: WorkloadRuntime,
  /** Chosen by the reconciler (chooseCredentials): the ones the running workload has, or new ones. */
  credentials: SessionCredentials,
): Result<SessionPlan> {
  const data = dataVolumes(input);
  if (!data.ok) return data;
  const workload = runtime.desired({ ...input, data: data.value, credentials });
  if (!workload.ok) return workload;
  const secret: Child = { type: Secrets, object: generateSecret(input, credentials) as Child['object'] };
  return { ok: true, value: { data: data.value, children: [secret, ...workload.value] } };
}
