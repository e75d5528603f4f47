// What the benchmarks share: a private local control plane with the CRDs, a proposal namespace and a
// small catalogue image, the bare pod that is the floor, and the statistics they print.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, CustomObjectsApi, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { pino } from 'pino';
import { GROUP, VERSION } from '../crds/index.ts';
import { startOperator } from '../operator/start.ts';
import type { RunningOperator } from '../runtime/app.ts';
import { sleep } from '../runtime/time.ts';
import { ensureBinaries } from '../tools/controlplane/binaries.ts';
import { LocalCluster } from '../tools/controlplane/cluster.ts';
import { installCrds } from '../tools/controlplane/crds.ts';
import { TEST_CONTAINER_IMAGE, analysisSessionObject, sessionImageObject } from '../testing/objects.ts';

export const BENCH_NAMESPACE = 'bench-proposal';
export const BENCH_PROPOSAL = 'BENCH-1';
export const BENCH_IMAGE = 'bench-notebook';

export interface BenchCluster {
  cluster: LocalCluster;
  binDir: string;
  kc: KubeConfig;
  core: CoreV1Api;
  custom: CustomObjectsApi;
  /** Stops the cluster and removes its directory. */
  close(): Promise<void>;
}

export const median = (xs: readonly number[]): number => percentile(xs, 50);

/** The p-th percentile (nearest rank) of `xs`; 0 for an empty list. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return 0;
  const sorted = [...xs].sort((a, b) => a - b);
  if (p === 50 && sorted.length % 2 === 0) {
    return ((sorted[sorted.length / 2 - 1] ?? 0) + (sorted[sorted.length / 2] ?? 0)) / 2;
  }
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

/** Sends `create` for every name, at most `concurrency` in flight; returns when each was sent. */
export async function createAll(
  names: readonly string[],
  create: (name: string) => Promise<unknown>,
  concurrency = 50,
): Promise<Map<string, number>> {
  const sentAt = new Map<string, number>();
  const queue = [...names];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
        sentAt.set(name, performance.now());
        await create(name);
      }
    }),
  );
  return sentAt;
}

/** Resolves once `done` has every one of `names`; throws after `timeoutMs`, naming how many are missing. */
export async function untilAll(
  names: readonly string[],
  done: ReadonlyMap<string, number>,
  what: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const missing = names.filter((name) => !done.has(name)).length;
    if (missing === 0) return;
    if (performance.now() > deadline)
      throw new Error(
        `${String(missing)} of ${String(names.length)} not ${what} after ${String(timeoutMs / 1000)} s`,
      );
    await sleep(50);
  }
}

export async function until(check: () => Promise<boolean>, timeoutMs = 60_000, everyMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(everyMs);
  }
}

/**
 * A private control plane with the CRDs, the proposal namespace (with its default service account)
 * and the image `bench-notebook` whose sessions request `resources` (requests = limits).
 */
export async function startBenchCluster(resources = { cpu: '100m', memory: '256Mi' }): Promise<BenchCluster> {
  const binDir = await ensureBinaries();
  const dir = await mkdtemp(join(tmpdir(), 'daas-bench-'));
  const cluster = await LocalCluster.start({ dir, binDir, ownerPid: process.pid, ephemeral: true });
  const close = async () => {
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await installCrds(cluster.kubeconfigPath, binDir);
    const kc = new KubeConfig();
    kc.loadFromFile(cluster.kubeconfigPath);
    const core = kc.makeApiClient(CoreV1Api);
    const custom = kc.makeApiClient(CustomObjectsApi);
    await core.createNamespace({
      body: {
        metadata: { name: BENCH_NAMESPACE, labels: { 'daas.calipsoplus.eu/proposal': BENCH_PROPOSAL } },
      },
    });
    await custom.createClusterCustomObject({
      group: GROUP,
      version: VERSION,
      plural: 'sessionimages',
      body: sessionImageObject(BENCH_IMAGE, {
        displayName: 'bench',
        resources: { default: resources, max: { cpu: 1, memory: '1Gi' } },
      }),
    });
    await until(
      async () => (await core.listNamespacedServiceAccount({ namespace: BENCH_NAMESPACE })).items.length > 0,
    );
    return { cluster, binDir, kc, core, custom, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The whole operator in this process on the bench cluster, without election or servers, synced. */
export async function startBenchOperator(
  bench: BenchCluster,
  flags: string[] = [],
): Promise<RunningOperator> {
  const operator = await startOperator({
    argv: [
      `--kubeconfig=${bench.cluster.kubeconfigPath}`,
      '--leader-elect=false',
      '--metrics-bind-address=0',
      '--health-probe-bind-address=0',
      ...flags,
    ],
    env: {},
    log: pino({ level: 'warn' }),
    handleSignals: false,
  });
  await operator.manager.waitForCacheSync();
  return operator;
}

/** The floor: a bare pod with the session's image and resources. */
export function barePod(
  name: string,
  resources = { cpu: '100m', memory: '256Mi' },
  labels: Record<string, string> = {},
): V1Pod {
  return {
    metadata: { name, labels },
    spec: {
      containers: [
        {
          name: 'session',
          image: TEST_CONTAINER_IMAGE,
          resources: { requests: resources, limits: resources },
        },
      ],
    },
  };
}

/** A session of the bench image, as a user would create it. */
export function benchSession(name: string) {
  return analysisSessionObject(name, { image: BENCH_IMAGE, owner: 'bench', proposal: BENCH_PROPOSAL });
}
