// Drills on what runs the sessions: a pod evicted through the Eviction API (a drain, node pressure):
// the session comes back on a new pod; and a fake node deleted with sessions on it: those sessions
// say Failed (their pods were failed by the pod garbage collector), the others keep running. No
// duplicate pod and no orphan either way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../bench/common.ts';
import {
  DRILL_NAMESPACE,
  createSessions,
  listSessions,
  liveWorkWrites,
  report,
  sessionNames,
  startDrill,
  startOperator,
  stopDrill,
  waitRunning,
  writesSince,
  type Drill,
} from './harness.ts';
import { checkInvariants, dataVolumeUids } from './invariants.ts';

let drill: Drill;
let dataVolumes: Set<string>;

beforeAll(async () => {
  drill = await startDrill();
  await startOperator(drill);
  const first = sessionNames('before', 12);
  await createSessions(drill, first);
  await waitRunning(drill, first, 120_000);
  dataVolumes = await dataVolumeUids(drill);
});
afterAll(async () => {
  await stopDrill(drill);
});

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

  it('a node deleted with sessions on it: those sessions say Failed, the others keep running', async () => {
    const pods = await sessionPods();
    const node = pods[0]?.spec?.nodeName ?? '';
    const victims = new Set(
      pods.filter((p) => p.spec?.nodeName === node).map((p) => p.metadata?.ownerReferences?.[0]?.uid),
    );
    const writes = await liveWorkWrites(drill);
    const deletedAt = performance.now();
    await drill.core.deleteNode({ name: node });
    // The pod garbage collector fails and removes the pods bound to a node that is gone; the operator
    // reports those sessions Failed (today it does not restart them: see docs/drills.md).
    await until(
      async () => {
        const sessions = await listSessions(drill);
        return sessions.every((s) => (victims.has(s.uid) ? s.phase === 'Failed' : s.phase === 'Running'));
      },
      180_000,
      200,
    );
    const toldS = (performance.now() - deletedAt) / 1000;
    await until(async () => !(await sessionPods()).some((p) => p.spec?.nodeName === node), 60_000, 200);
    const { sessions } = await checkInvariants(drill, { dataVolumes });
    const failed = (await listSessions(drill)).filter((s) => victims.has(s.uid));
    report('node deleted', {
      failedStatusS: toldS,
      writes: await writesSince(drill, writes),
      sessionsOnNode: victims.size,
      sessions,
    });
    expect(failed.map((s) => s.reason)).toEqual([...victims].map(() => 'PodFailed'));
  });
});
