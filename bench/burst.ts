// Benchmark: a burst of N sessions created at once (a beamtime start, a course), against the floor
// measured in the same run on the same control plane: N bare pods with the same image and resources
// created at once. Prints time to all Running, p50/p99 create → Running, the writes per session (the
// operator's own counter, and the API server's as a cross-check), and the operator's CPU and peak RSS.
// The operator runs as its own process (`node operator/main.ts`), so its CPU and memory are its own.
// Usage: npm run bench:burst [-- --sessions=200]
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { parseArgs, promisify } from 'node:util';
import { GROUP, VERSION } from '../crds/index.ts';
import { sleep } from '../runtime/time.ts';
import { freePort } from '../tools/controlplane/cluster.ts';
import {
  BENCH_NAMESPACE as ns,
  barePod,
  benchSession,
  percentile,
  startBenchCluster,
  until,
  type BenchCluster,
} from './common.ts';

const { values } = parseArgs({ options: { sessions: { type: 'string', default: '200' } } });
const n = Number(values.sessions);
if (!Number.isInteger(n) || n < 1 || n > 5000)
  throw new Error('--sessions must be a whole number from 1 to 5000');
/** Small requests, so the fake nodes' cpu and memory never limit the burst (pods per node do). */
const resources = { cpu: '10m', memory: '32Mi' };
const CREATE_CONCURRENCY = 50;
const TIMEOUT_MS = 15 * 60_000;

interface Burst {
  /** From the first create until every object is Running. */
  allRunningMs: number;
  /** create request sent → first seen Running, per object. */
  latencies: number[];
}

/** Creates `names` with `create` (at most CREATE_CONCURRENCY in flight) and polls `running` until all run. */
async function burst(
  names: string[],
  create: (name: string) => Promise<unknown>,
  running: () => Promise<Set<string>>,
): Promise<Burst> {
  const sentAt = new Map<string, number>();
  const runningAt = new Map<string, number>();
  const t0 = performance.now();
  const queue = [...names];
  const creators = Array.from({ length: CREATE_CONCURRENCY }, async () => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      sentAt.set(name, performance.now());
      await create(name);
    }
  });
  const watcher = (async () => {
    while (runningAt.size < names.length) {
      if (performance.now() - t0 > TIMEOUT_MS)
        throw new Error(
          `only ${String(runningAt.size)} of ${String(names.length)} Running after ${String(TIMEOUT_MS / 1000)} s`,
        );
      const now = performance.now();
      for (const name of await running()) if (!runningAt.has(name)) runningAt.set(name, now);
      await sleep(200);
    }
  })();
  await Promise.all([...creators, watcher]);
  return {
    allRunningMs: Math.max(...runningAt.values()) - t0,
    latencies: names.map((name) => (runningAt.get(name) ?? 0) - (sentAt.get(name) ?? 0)),
  };
}

/** Extra fake nodes with room for the burst (the launcher's three take 110 pods each). */
async function addNodes(bench: BenchCluster, pods: number): Promise<void> {
  const perNode = 250; // a /24 podCIDR holds 254 addresses
  for (let i = 0; i < Math.ceil(pods / perNode); i++) {
    const cidr = `127.${String(bench.cluster.podNetwork)}.${String(100 + i)}.0/24`;
    const capacity = { cpu: '1000', memory: '4Ti', pods: String(perNode), 'ephemeral-storage': '10Ti' };
    await bench.core.createNode({
      body: {
        metadata: {
          name: `bench-node-${String(i)}`,
          annotations: { 'kwok.x-k8s.io/node': 'fake' },
          labels: { type: 'kwok', 'kubernetes.io/hostname': `bench-node-${String(i)}` },
        },
        spec: { podCIDR: cidr, podCIDRs: [cidr] },
        status: { capacity, allocatable: capacity },
      },
    });
  }
  await until(
    async () => {
      const nodes = (await bench.core.listNode()).items;
      return nodes.every((node) =>
        node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      );
    },
    60_000,
    200,
  );
}

/** Sums the samples of `metric` in Prometheus text whose labels pass `keep`. */
function sumMetric(text: string, metric: string, keep: (labels: string) => boolean = () => true): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = new RegExp(`^${metric}(\\{[^}]*\\})?\\s+([0-9.eE+-]+)$`).exec(line);
    if (m && keep(m[1] ?? '')) sum += Number(m[2]);
  }
  return sum;
}

const MUTATING = /verb="(POST|PUT|PATCH|DELETE|APPLY|DELETECOLLECTION)"/;

/** Mutating requests the API server has served so far, from every client (its own counter). */
async function apiServerWrites(bench: BenchCluster): Promise<number> {
  const kubectl = `${bench.binDir}/kubectl`;
  const { stdout } = await promisify(execFile)(
    kubectl,
    ['--kubeconfig', bench.cluster.kubeconfigPath, 'get', '--raw', '/metrics'],
    {
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return sumMetric(stdout, 'apiserver_request_total', (labels) => MUTATING.test(labels));
}

async function startOperatorProcess(
  bench: BenchCluster,
): Promise<{ child: ChildProcess; metricsUrl: string }> {
  const metricsPort = await freePort();
  const healthPort = await freePort();
  const child = spawn(
    process.execPath,
    [
      'operator/main.ts',
      `--kubeconfig=${bench.cluster.kubeconfigPath}`,
      `--namespaces=${ns}`,
      '--leader-elect=false',
      `--metrics-bind-address=127.0.0.1:${String(metricsPort)}`,
      `--health-probe-bind-address=127.0.0.1:${String(healthPort)}`,
      '--log-level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  await until(
    async () => {
      const res = await fetch(`http://127.0.0.1:${String(healthPort)}/readyz`).catch(() => undefined);
      return res?.status === 200;
    },
    60_000,
    100,
  );
  return { child, metricsUrl: `http://127.0.0.1:${String(metricsPort)}/metrics` };
}

const bench = await startBenchCluster(resources);
try {
  const { core, custom } = bench;
  await addNodes(bench, n);
  const names = Array.from({ length: n }, (_, i) => `b-${String(i)}`);

  // The floor: N bare pods at once.
  const runningPods = async () =>
    new Set(
      (await core.listNamespacedPod({ namespace: ns, labelSelector: 'bench=floor' })).items
        .filter((p) => p.status?.phase === 'Running')
        .map((p) => p.metadata?.name ?? ''),
    );
  const floor = await burst(
    names,
    (name) => core.createNamespacedPod({ namespace: ns, body: barePod(name, resources, { bench: 'floor' }) }),
    runningPods,
  );
  await core.deleteCollectionNamespacedPod({
    namespace: ns,
    labelSelector: 'bench=floor',
    gracePeriodSeconds: 0,
  });
  await until(
    async () =>
      (await core.listNamespacedPod({ namespace: ns, labelSelector: 'bench=floor' })).items.length === 0,
    120_000,
    500,
  );

  // The same burst as AnalysisSessions, with the operator in its own process.
  const { child, metricsUrl } = await startOperatorProcess(bench);
  const operatorText = async () => (await fetch(metricsUrl)).text();
  const operatorWrites = (text: string) =>
    sumMetric(text, 'rest_client_requests_total', (labels) => !labels.includes('method="GET"'));
  const refused = (text: string) =>
    sumMetric(text, 'rest_client_requests_total', (labels) => labels.includes('code="409"'));
  const beforeText = await operatorText();
  const before = {
    operator: operatorWrites(beforeText),
    conflicts: refused(beforeText),
    api: await apiServerWrites(bench),
  };
  const where = { group: GROUP, version: VERSION, namespace: ns, plural: 'analysissessions' };
  const runningSessions = async () => {
    const list = (await custom.listNamespacedCustomObject(where)) as {
      items: { metadata: { name: string }; status?: { phase?: string } }[];
    };
    return new Set(list.items.filter((s) => s.status?.phase === 'Running').map((s) => s.metadata.name));
  };
  const sessions = await burst(
    names,
    (name) => custom.createNamespacedCustomObject({ ...where, body: benchSession(name) }),
    runningSessions,
  );
  const text = await operatorText();
  const after = {
    operator: operatorWrites(text),
    conflicts: refused(text),
    api: await apiServerWrites(bench),
  };
  const cpuSeconds = sumMetric(text, 'process_cpu_seconds_total');
  const status = await readFile(`/proc/${String(child.pid)}/status`, 'utf8');
  const peakRssMiB = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
  child.kill('SIGTERM');

  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const row = (what: string, b: Burst) =>
    `  ${what.padEnd(18)} ${s(b.allRunningMs).padStart(9)} ${s(percentile(b.latencies, 50)).padStart(9)} ${s(percentile(b.latencies, 99)).padStart(9)}`;
  console.log(
    `\nburst of ${String(n)}, created at once (${String(CREATE_CONCURRENCY)} requests in flight), one local control plane`,
  );
  console.log(
    `  ${''.padEnd(18)} ${'all Running'.padStart(9)} ${'p50'.padStart(9)} ${'p99'.padStart(9)}   (create → Running)`,
  );
  console.log(row('bare pods (floor)', floor));
  console.log(row('AnalysisSessions', sessions));
  console.log(
    `  ratio to the floor (all Running): ${(sessions.allRunningMs / floor.allRunningMs).toFixed(2)}`,
  );
  console.log(
    `  operator writes per session (rest_client_requests_total, non-GET): ${((after.operator - before.operator) / n).toFixed(1)}, of which refused as conflicts (409): ${((after.conflicts - before.conflicts) / n).toFixed(1)}`,
  );
  console.log(
    `  API server writes per session (apiserver_request_total, every client, minus the bench's create): ${((after.api - before.api - n) / n).toFixed(1)}`,
  );
  console.log(`  operator CPU: ${cpuSeconds.toFixed(1)} s; peak RSS: ${peakRssMiB.toFixed(0)} MiB`);
} finally {
  await bench.close();
}
