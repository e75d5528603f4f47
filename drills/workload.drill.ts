// Drills on what runs the sessions: a pod evicted through the Eviction API (a drain, node pressure):
// the session comes back on a new pod; and a fake node deleted with sessions on it: the pod garbage
// collector fails their pods, and the operator restarts those sessions on new pods (an Event says
// why) while the others keep running. No duplicate pod and no orphan either way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../bench/common.ts';
import {
  DRILL_NAMESPACE,
  listSessions,
  liveWorkWrites,
  report,
  seedDrill,
  stopDrill,
  waitRunning,
  writesSince,
  type Drill,
} from './harness.ts';
import { checkInvariants } from './invariants.ts';

let drill: Drill;
let dataVolumes: Set<string>;

beforeAll(async () => {
  ({ drill, dataVolumes } = await seedDrill(12));
});
afterAll(async () => {
  await stopDrill(drill);
});

const restartEvents = async () =>
  (await drill.core.listNamespacedEvent({ namespace: DRILL_NAMESPACE })).items.filter(
    (e) => ['Restarted', 'Recreated'].includes(e.reason ?? '') && e.involvedObject.kind === 'AnalysisSession',
  );

const sessionPods = async () =>
  (await drill.core.listNamespacedPod({ namespace: DRILL_NAMESPACE })).items.filter((p) =>
    p.metadata?.ownerReferences?.some((r) => r.kind === 'AnalysisSession'),
  );

describe('workload faults', () => {
  it('a session pod evicted: the session gets a new pod', async () => {
    const [victim] = await sessionPods();
    const name = victim?.metadata?.name ?? '';
    const writes = await liveWorkWrites(drill);
    const evictedAt = performance.now();
    await drill.core.createNamespacedPodEviction({
      name,
      namespace: DRILL_NAMESPACE,
      body: { metadata: { name, namespace: DRILL_NAMESPACE } },
    });
    await until(
      async () => !(await sessionPods()).some((p) => p.metadata?.uid === victim?.metadata?.uid),
      60_000,
      100,
    );
    await waitRunning(drill, undefined, 60_000);
    const recoveryS = (performance.now() - evictedAt) / 1000;
    const { sessions } = await checkInvariants(drill, { dataVolumes });
    report('pod evicted', { recoveryS, writes: await writesSince(drill, writes), sessions });
    expect(recoveryS).toBeLessThan(20);
  });

  it('a node deleted with sessions on it: those sessions restart on another node, the others keep running', async () => {
    const pods = await sessionPods();
    const node = pods[0]?.spec?.nodeName ?? '';
    const onNode = pods.filter((p) => p.spec?.nodeName === node);
    const victims = new Set(onNode.map((p) => p.metadata?.ownerReferences?.[0]?.uid));
    const oldPods = new Set(onNode.map((p) => p.metadata?.uid));
    // Events seen before (an Event repeated for the same session is updated, not created again).
    const eventsBefore = new Map(
      (await restartEvents()).map((e) => [e.metadata.uid, e.metadata.resourceVersion]),
    );
    const writes = await liveWorkWrites(drill);
    const deletedAt = performance.now();
    await drill.core.deleteNode({ name: node });
    // The pod garbage collector fails the pods bound to a node that is gone (DisruptionTarget,
    // DeletionByPodGC) after its 40 s quarantine; the operator restarts those sessions on new pods.
    await until(
      async () => {
        const now = await sessionPods();
        return (
          !now.some((p) => oldPods.has(p.metadata?.uid)) &&
          [...victims].every((uid) => now.some((p) => p.metadata?.ownerReferences?.[0]?.uid === uid))
        );
      },
      180_000,
      200,
    );
    const newPodsS = (performance.now() - deletedAt) / 1000;
    await waitRunning(drill, undefined, 60_000);
    const recoveryS = (performance.now() - deletedAt) / 1000;
    const { sessions } = await checkInvariants(drill, { dataVolumes });
    const restarted = (await restartEvents()).filter(
      (e) => eventsBefore.get(e.metadata.uid) !== e.metadata.resourceVersion,
    );
    report('node deleted', {
      recoveryS,
      newPodsS,
      writes: await writesSince(drill, writes),
      sessionsOnNode: victims.size,
      restartedEvents: restarted.filter((e) => e.reason === 'Restarted').length,
      sessions,
    });
    // Every session of the node says it was restarted, and none ever said Failed. When the garbage
    // collector deletes the failed pod before the operator sees it failed, the session only finds
    // its pod missing and says so (Recreated).
    expect(new Set(restarted.map((e) => e.involvedObject.uid))).toEqual(victims);
    const lost = restarted.filter((e) => e.reason === 'Restarted');
    expect(lost.every((e) => e.message?.includes('its node was lost'))).toBe(true);
    expect((await listSessions(drill)).filter((s) => s.phase === 'Failed')).toEqual([]);
    expect((await sessionPods()).some((p) => p.spec?.nodeName === node)).toBe(false);
  });
});
