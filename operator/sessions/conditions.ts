// The session's ordered conditions and the one path from them to phase, reason and message: the first
// condition that is not True says what the session is waiting for (DevWorkspace-style).
import type { Condition, ConditionUpdate } from '../../runtime/conditions.ts';
import { setCondition } from '../../runtime/conditions.ts';
import {
  ORDERED_SESSION_CONDITIONS,
  type OrderedSessionCondition,
  type SessionPhase,
  type SessionReason,
} from '../../crds/index.ts';

/** In the order a session passes them (the list lives with the API, in crds/conditions.ts). */
const ORDERED_CONDITIONS = ORDERED_SESSION_CONDITIONS;
type OrderedCondition = OrderedSessionCondition;

export interface ConditionVerdict {
  type: OrderedCondition;
  status: 'True' | 'False' | 'Unknown';
  reason: SessionReason;
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
    if (!blocked && update.status !== 'True') {
      blocked = verdict ?? { type, status: 'Unknown', reason: 'Waiting', message: update.message };
    }
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
    case 'QuotaAdmitted':
      return blocking.reason === 'QuotaExceeded' ? 'Queued' : 'Pending';
    case 'Scheduled':
      return blocking.reason === 'Unschedulable' ? 'Queued' : 'Pending';
    default:
      return 'Provisioning';
  }
}
