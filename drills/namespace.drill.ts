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
  // The Lease in a namespace of its own, as deployed (daas-system): in the proposal namespace it
  // would go with it, and the operator, no longer leading, would prove nothing about its writes.
  ({ drill } = await seedDrill(10, 1, () => Promise.resolve(['--leader-election-namespace=default'])));
});
afterAll(async () => {
  await stopDrill(drill);
});

const volumesOfNamespace = async () =>
  (await drill.core.listPersistentVolume({ labelSelector: `${SESSION_NAMESPACE_LABEL}=${DRILL_NAMESPACE}` }))
    .items;

/** Requests the operators sent whose answers pass `keep` (all: a loop on a gone namespace shows). */
async function allRequests(keep: (labels: string) => boolean = () => true): Promise<number> {
  let sum = 0;
  for (const op of drill.operators) sum += sumMetric(await op.metrics(), 'rest_client_requests_total', keep);
  return sum;
}

/** Requests refused with 403: new objects in a namespace being deleted ("being terminated"). */
const refusedRequests = () => allRequests((labels) => labels.includes('code="403"'));

describe('a proposal namespace deleted mid-burst', () => {
  it('its sessions and volumes go, nothing is stuck, the operator does not loop and keeps working', async () => {
    expect(await volumesOfNamespace()).not.toEqual([]);
    const writes = await liveWorkWrites(drill);
    const refusedBefore = await refusedRequests();
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
    const refused = (await refusedRequests()) - refusedBefore;

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
      refused403: refused,
      quietRequests10s: quietRequests,
      newSessionRunningS: againS,
      burst: BURST,
      sessions,
    });
    expect(sessions).toBe(1);
    // Lease renewals every 2 s by one operator: 5 in 10 s; a loop would be far more.
    expect(quietRequests).toBeLessThan(30);
    // The operator stops writing into the namespace once it sees it terminating (before, each
    // session of the burst retried its Secret and pod: 150 and more refusals); what is left are
    // the writes already in flight when the deletion began.
    expect(refused).toBeLessThan(30);
  });
});
