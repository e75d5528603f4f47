// Drill on a proposal namespace deleted in the middle of a burst (the end of a proposal, or a GitOps
// prune): its sessions go with it, nothing is left stuck terminating, its data volumes are released
// (the PersistentVolume objects go; the data itself is never touched), and the operator neither loops
// on the namespace that is gone nor stops working: the namespace made again runs sessions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BENCH_PROPOSAL, until } from '../bench/common.ts';
import { sumMetric } from '../bench/operator-process.ts';
import { SESSION_NAMESPACE_LABEL } from '../crds/index.ts';
import { sleep } from '../runtime/time.ts';
import {
  DRILL_NAMESPACE,
  createSessions,
  liveWorkWrites,
  report,
  seedDrill,
  sessionNames,
  stopDrill,
  waitRunning,
  writesSince,
  type Drill,
} from './harness.ts';
import { checkInvariants } from './invariants.ts';

const BURST = 60;
let drill: Drill;

beforeAll(async () => {
  ({ drill } = await seedDrill(10));
});
afterAll(async () => {
  await stopDrill(drill);
});

const volumesOfNamespace = async () =>
  (await drill.core.listPersistentVolume({ labelSelector: `${SESSION_NAMESPACE_LABEL}=${DRILL_NAMESPACE}` }))
    .items;

/** Every request the operators sent (reads included): a loop on a gone namespace would show here. */
async function allRequests(): Promise<number> {
  let sum = 0;
  for (const op of drill.operators) sum += sumMetric(await op.metrics(), 'rest_client_requests_total');
  return sum;
}

describe('a proposal namespace deleted mid-burst', () => {
  it('its sessions and volumes go, nothing is stuck, the operator does not loop and keeps working', async () => {
    expect(await volumesOfNamespace()).not.toEqual([]);
    const writes = await liveWorkWrites(drill);
    const burst = createSessions(drill, sessionNames('burst', BURST)).catch(() => undefined);
    await sleep(1000);
    const deletedAt = performance.now();
    await drill.core.deleteNamespace({ name: DRILL_NAMESPACE });
    await burst; // creates sent after the deletion are refused: the namespace is terminating
    await until(
      async () => !(await drill.core.listNamespace()).items.some((n) => n.metadata?.name === DRILL_NAMESPACE),
      120_000,
      200,
    );
    const namespaceGoneS = (performance.now() - deletedAt) / 1000;
    await until(async () => (await volumesOfNamespace()).length === 0, 60_000, 200);
    const recoveryS = (performance.now() - deletedAt) / 1000;
    const faultWrites = await writesSince(drill, writes);

    // No loop on what is gone: over 10 s the operator sends next to nothing (Lease renewals, a
    // periodic relist), where a reconcile retrying the namespace would send requests every second.
    const quietFrom = await allRequests();
    await sleep(10_000);
    const quietRequests = (await allRequests()) - quietFrom;

    // The proposal again: its claims are made anew and a session runs.
    await drill.core.createNamespace({
      body: {
        metadata: { name: DRILL_NAMESPACE, labels: { 'daas.calipsoplus.eu/proposal': BENCH_PROPOSAL } },
      },
    });
    await until(
      async () =>
        (await drill.core.listNamespacedServiceAccount({ namespace: DRILL_NAMESPACE })).items.length > 0,
      60_000,
      200,
    );
    const againAt = performance.now();
    await createSessions(drill, ['again']);
    await waitRunning(drill, ['again'], 120_000);
    const againS = (performance.now() - againAt) / 1000;
    const { sessions } = await checkInvariants(drill, { dataVolumes: new Set() });
    report('proposal namespace deleted mid-burst', {
      recoveryS,
      namespaceGoneS,
      writes: faultWrites,
      quietRequests10s: quietRequests,
      newSessionRunningS: againS,
      burst: BURST,
      sessions,
    });
    expect(sessions).toBe(1);
    // Lease renewals every 2 s by one operator: 5 in 10 s; a loop would be far more.
    expect(quietRequests).toBeLessThan(30);
  });
});
