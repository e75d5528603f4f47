// Drill on API server throttling: the operator runs as its own user (a ServiceAccount token, as in a
// cluster), and a FlowSchema sends that user's requests, with a busy neighbour's, to a tiny
// PriorityLevelConfiguration that rejects what it cannot seat at once, so the API server answers 429
// during a burst. The operator
// must wait as the API server asks (Retry-After), never retry every throttled key at once, and
// converge.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CoreV1Api,
  FlowcontrolApiserverV1Api,
  KubeConfig,
  RbacAuthorizationV1Api,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sumMetric } from '../bench/operator-process.ts';
import { sleep } from '../runtime/time.ts';
import {
  createSessions,
  liveWorkWrites,
  report,
  sessionNames,
  startDrill,
  startOperator,
  stopDrill,
  waitRunning,
  writesSince,
  dataVolumeUids,
  type Drill,
} from './harness.ts';
import { checkInvariants } from './invariants.ts';

const BURST = 100;
const SA = { name: 'daas-operator', namespace: 'daas-system' };
const NEIGHBOUR = { name: 'busy-neighbour', namespace: 'daas-system' };
const LEVEL = 'daas-drill-tiny';
let drill: Drill;
let dataVolumes: Set<string>;
let neighbour: KubeConfig;

/** A ServiceAccount with cluster-admin (like the chart's operator role, and more) and a kubeconfig for it. */
async function serviceAccountKubeconfig(name: string): Promise<{ path: string; kc: KubeConfig }> {
  const rbac = drill.kc.makeApiClient(RbacAuthorizationV1Api);
  const namespace = SA.namespace;
  await drill.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    },
  });
  const token = await drill.core.createNamespacedServiceAccountToken({
    name,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 7200 } },
  });
  const cluster = drill.kc.getCurrentCluster();
  if (!cluster || !token.status?.token) throw new Error('no cluster or no token');
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name, token: token.status.token }],
    contexts: [{ name, cluster: cluster.name, user: name }],
    currentContext: name,
  });
  const path = join(drill.cluster.dir, `${name}.kubeconfig`);
  await writeFile(path, kc.exportConfig(), { mode: 0o600 });
  return { path, kc };
}

/**
 * Another workload at the operator's priority level, keeping its few seats busy with lists (as a
 * busy tenant of a shared level would), until `stop` aborts.
 */
async function busyNeighbour(kc: KubeConfig, stop: AbortSignal): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  await Promise.all(
    Array.from({ length: 6 }, async () => {
      while (!stop.aborted) await core.listPodForAllNamespaces().catch(() => sleep(5));
    }),
  );
}

/**
 * The operator's requests, every one of them (its Lease included), and its busy neighbour's, to a
 * level of one share that rejects at once what it cannot seat: about 3 seats of the API server's 600.
 */
async function throttleOperator(): Promise<void> {
  const flow = drill.kc.makeApiClient(FlowcontrolApiserverV1Api);
  await flow.createPriorityLevelConfiguration({
    body: {
      metadata: { name: LEVEL },
      spec: {
        type: 'Limited',
        limited: { nominalConcurrencyShares: 1, lendablePercent: 0, limitResponse: { type: 'Reject' } },
      },
    },
  });
  await flow.createFlowSchema({
    body: {
      metadata: { name: 'daas-drill-operator' },
      spec: {
        priorityLevelConfiguration: { name: LEVEL },
        matchingPrecedence: 100,
        distinguisherMethod: { type: 'ByUser' },
        rules: [
          {
            subjects: [SA, NEIGHBOUR].map((sa) => ({ kind: 'ServiceAccount', serviceAccount: sa })),
            resourceRules: [
              { verbs: ['*'], apiGroups: ['*'], resources: ['*'], clusterScope: true, namespaces: ['*'] },
            ],
            nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
          },
        ],
      },
    },
  });
}

beforeAll(async () => {
  drill = await startDrill();
  try {
    await drill.core.createNamespace({ body: { metadata: { name: SA.namespace } } });
    const operator = await serviceAccountKubeconfig(SA.name);
    neighbour = (await serviceAccountKubeconfig(NEIGHBOUR.name)).kc;
    await startOperator(drill, [`--kubeconfig=${operator.path}`]);
    const first = sessionNames('before', 10);
    await createSessions(drill, first);
    await waitRunning(drill, first, 120_000);
    dataVolumes = await dataVolumeUids(drill);
  } catch (err) {
    await stopDrill(drill);
    throw err;
  }
});
afterAll(async () => {
  await stopDrill(drill);
});

describe('API server throttling (429 through priority and fairness)', () => {
  it('the operator honours the 429s, does not hot-loop, and converges', async () => {
    const op = drill.operators[0];
    if (!op) throw new Error('no operator');
    const requests = async () => {
      const text = await op.metrics();
      return {
        all: sumMetric(text, 'rest_client_requests_total'),
        throttled: sumMetric(text, 'rest_client_requests_total', (l) => l.includes('code="429"')),
      };
    };
    await throttleOperator();
    const before = await requests();
    const writes = await liveWorkWrites(drill);
    const stopNeighbour = new AbortController();
    const busy = busyNeighbour(neighbour, stopNeighbour.signal);
    const startedAt = performance.now();
    try {
      await createSessions(drill, sessionNames('burst', BURST));
      await waitRunning(drill, undefined, 300_000);
    } finally {
      stopNeighbour.abort();
      await busy;
    }
    const recoveryS = (performance.now() - startedAt) / 1000;
    const after = await requests();
    const { sessions } = await checkInvariants(drill, { dataVolumes });
    const throttled = after.throttled - before.throttled;
    const sent = after.all - before.all;
    report('API server throttling (429) during a burst', {
      recoveryS,
      writes: await writesSince(drill, writes),
      throttled429: throttled,
      requests: sent,
      requestsPerSession: sent / BURST,
      burst: BURST,
      sessions,
    });
    expect(throttled, 'the drill throttled the operator').toBeGreaterThan(0);
    // About 10 requests per started session when all goes well (reads and writes); retries of
    // throttled requests add some. A loop retrying every throttled key at once would add thousands.
    expect(sent / BURST).toBeLessThan(40);
  });
});
