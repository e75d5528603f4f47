// The invariants every drill checks once it has recovered, in one place so that each drill means the
// same thing by "recovered": every session converged with a status that matches reality (Running
// exactly when its pod runs and is ready), at most one pod per session, nothing orphaned, no request
// loop, and no user data volume deleted.
import { expect } from 'vitest';
import { sleep } from '../runtime/time.ts';
import {
  DRILL_NAMESPACE,
  ENDED_PHASES,
  alive,
  dataVolumeUids,
  listSessions,
  podReady,
  workWrites,
  type Drill,
} from './harness.ts';

export { dataVolumeUids };

interface Owned {
  metadata?: { name?: string; ownerReferences?: { uid: string; kind: string; controller?: boolean }[] };
}

const sessionOwner = (o: Owned) =>
  o.metadata?.ownerReferences?.find((r) => r.controller === true && r.kind === 'AnalysisSession')?.uid;

export interface InvariantOptions {
  /** Data volume UIDs from before the fault: every one must still exist. */
  dataVolumes: Set<string>;
  /** How long a quiet period is (no writes but the Lease). */
  quietMs?: number;
}

/** Asserts the invariants (call once waitRunning says all sessions run); returns what a drill prints. */
export async function checkInvariants(
  drill: Drill,
  { dataVolumes, quietMs = 5000 }: InvariantOptions,
): Promise<{ sessions: number; quietWrites: number }> {
  const live = drill.operators.filter(alive);
  expect(live.length, 'an operator is still running').toBeGreaterThan(0);
  // Converged means silent: a quiet period with no write but Lease renewals must come within 30 s
  // (a status or Event still pending from the recovery may land first); a request loop never stops.
  const total = async () => (await Promise.all(live.map(workWrites))).reduce((a, b) => a + b, 0);
  const settleBy = performance.now() + 30_000;
  let quietWrites = 0;
  for (let before = await total(); ;) {
    await sleep(quietMs);
    const after = await total();
    if (after === before) break;
    quietWrites += after - before;
    before = after;
    expect(
      performance.now(),
      `still writing (${String(quietWrites)} writes) 30 s after converging`,
    ).toBeLessThan(settleBy);
  }

  const [sessions, pods, secrets] = await Promise.all([
    listSessions(drill),
    drill.core.listNamespacedPod({ namespace: DRILL_NAMESPACE }),
    drill.core.listNamespacedSecret({ namespace: DRILL_NAMESPACE }),
  ]);
  const uids = new Set(sessions.map((s) => s.uid));
  const podsBySession = new Map<string, typeof pods.items>();
  for (const pod of pods.items) {
    const owner = sessionOwner(pod);
    if (owner === undefined) continue;
    podsBySession.set(owner, [...(podsBySession.get(owner) ?? []), pod]);
  }
  for (const s of sessions) {
    const own = podsBySession.get(s.uid) ?? [];
    expect(own.length, `pods of session ${s.name}`).toBeLessThanOrEqual(1);
    if (s.phase !== undefined && ENDED_PHASES.has(s.phase)) {
      // An ended session has no running workload (a failed pod may stay for the user to inspect).
      expect(own.filter(podReady), `ready pods of ended session ${s.name}`).toEqual([]);
      continue;
    }
    expect(own[0]?.status?.phase, `pod of session ${s.name}`).toBe('Running');
    expect(own[0]?.metadata?.deletionTimestamp, `pod of session ${s.name} terminating`).toBeUndefined();
    // Status matches reality: Running exactly when the pod is ready.
    const ready = own[0] !== undefined && podReady(own[0]);
    expect(
      s.phase === 'Running',
      `session ${s.name} is ${String(s.phase)}, pod ready: ${String(ready)}`,
    ).toBe(ready);
  }
  const orphans = [...pods.items, ...secrets.items]
    .filter((o) => {
      const owner = sessionOwner(o);
      return owner !== undefined && !uids.has(owner);
    })
    .map((o) => o.metadata?.name);
  expect(orphans, 'children whose session is gone').toEqual([]);
  const still = await dataVolumeUids(drill);
  expect(
    [...dataVolumes].filter((uid) => !still.has(uid)),
    'data volumes deleted',
  ).toEqual([]);
  return { sessions: sessions.length, quietWrites };
}
