// The session's ordered conditions and the one path from them to phase, reason and message: the first
// condition that is not True says what the session is waiting for (DevWorkspace-style).
import type { Condition, ConditionUpdate } from '../../runtime/conditions.ts';
import { setCondition } from '../../runtime/conditions.ts';
import type { AnalysisSession, AnalysisSessionStatus, SessionImage, SessionPhase } from '../../crds/index.ts';
import type { PodDiagnosis } from './workloads/container/diagnosis.ts';

/** In the order a session passes them. */
export const ORDERED_CONDITIONS = ['Accepted', 'DataReady', 'Scheduled', 'Ready', 'AccessReady'] as const;
export type OrderedCondition = (typeof ORDERED_CONDITIONS)[number];

export interface ConditionVerdict {
  type: OrderedCondition;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

/** Applies the verdicts (in order; conditions after the first non-True one become Unknown). */
export function orderedConditions(
  previous: readonly Condition[] | undefined,
  verdicts: ConditionVerdict[],
  generation: number | undefined,
  now: Date,
): Condition[] {
  let list = [...(previous ?? [])];
  let blocked: ConditionVerdict | undefined;
  for (const type of ORDERED_CONDITIONS) {
    const verdict = verdicts.find((v) => v.type === type);
    const update: ConditionUpdate = blocked
      ? { type, status: 'Unknown', reason: 'Waiting', message: `waiting for ${blocked.type}` }
      : (verdict ?? { type, status: 'Unknown', reason: 'Waiting', message: 'not evaluated yet' });
    list = setCondition(list, update, generation, now);
    if (!blocked && update.status !== 'True') blocked = verdict ?? { ...update, type, status: 'Unknown' };
  }
  return list;
}

/** The first ordered condition that is not True, if any. */
export function firstBlocking(conditions: readonly Condition[]): Condition | undefined {
  for (const type of ORDERED_CONDITIONS) {
    const c = conditions.find((x) => x.type === type);
    if (c?.status !== 'True') return c;
  }
  return undefined;
}

/** Phase while the session is meant to run, from its first blocking condition. */
export function runningPhase(conditions: readonly Condition[]): SessionPhase {
  const blocking = firstBlocking(conditions);
  if (!blocking) return 'Running';
  switch (blocking.type as OrderedCondition) {
    case 'Accepted':
    case 'DataReady':
      return 'Pending';
    case 'Scheduled':
      return blocking.reason === 'Unschedulable' ? 'Queued' : 'Pending';
    default:
      return 'Provisioning';
  }
}

/** What the pod's state says about Scheduled and Ready (for a session that is meant to run). */
export function podVerdicts(d: PodDiagnosis): ConditionVerdict[] {
  const placed: ConditionVerdict = {
    type: 'Scheduled',
    status: 'True',
    reason: 'Scheduled',
    message: 'placed on a node',
  };
  switch (d.state) {
    case 'Absent':
      return [{ type: 'Scheduled', status: 'False', reason: 'Creating', message: 'Creating the session.' }];
    case 'Unschedulable':
      return [{ type: 'Scheduled', status: 'False', reason: 'Unschedulable', message: d.message }];
    case 'Pending':
      return [
        d.reason === 'Scheduling'
          ? { type: 'Scheduled', status: 'False', reason: 'Scheduling', message: d.message }
          : placed,
        { type: 'Ready', status: 'False', reason: d.reason, message: d.message },
      ];
    case 'Running':
      return [
        { ...placed, message: `on node ${d.nodeName ?? ''}`.trim() },
        d.ready
          ? { type: 'Ready', status: 'True', reason: 'Ready', message: 'the environment is up' }
          : { type: 'Ready', status: 'False', reason: 'Starting', message: d.message },
      ];
    case 'Failed':
      return [placed, { type: 'Ready', status: 'False', reason: d.reason, message: d.message }];
  }
}

/** Where and how to connect, once the session's pod is ready; never a secret (it names the Secret). */
export function sessionEndpoint(
  session: AnalysisSession,
  image: SessionImage,
  d: PodDiagnosis,
  secretName: string,
): AnalysisSessionStatus['endpoint'] | undefined {
  if (d.state !== 'Running' || !d.ready || !d.podIP) return undefined;
  const access = image.spec.access;
  const basePath = (access.basePath ?? '/').replaceAll('{session}', session.metadata.name);
  return {
    protocol: access.protocol,
    host: d.podIP,
    port: access.port,
    credentialsSecretName: secretName,
    ...(access.protocol === 'http' ? { url: `http://${d.podIP}:${String(access.port)}${basePath}` } : {}),
  };
}
