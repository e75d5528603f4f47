// Benchmark: a burst of N sessions created at once (a beamtime start, a course), against the floor
// measured in the same run on the same control plane: N bare pods with the same image and resources
// created at once. Prints time to all Running, p50/p99 create → Running, how long a session lags
// behind its own pod, the writes per session (the operator's own counter, and the API server's as a
// cross-check), and the operator's CPU and peak RSS. With --steady=M it then grows to M converged
// sessions and measures memory, the writes of a quiet period, and a cold restart (bench/steady.ts).
// Usage: npm run bench:burst [-- --sessions=200] [--steady=5000 --quiet=10m] [--workers=4] [--qps=0]
//        [--operator-log=FILE] (the operator's debug log, to see where time goes)
import { parseArgs } from 'node:util';
import { DATA_LABEL, GROUP, VERSION } from '../crds/index.ts';
import { parseDuration } from '../runtime/duration.ts';
import { addBenchNodes } from './nodes.ts';
import {
  BENCH_NAMESPACE as ns,
  barePod,
  benchSession,
  createAll,
  percentile,
  startBenchCluster,
  until,
  untilAll,
} from './common.ts';
import {
  apiServerWrites,
  operatorConflicts,
  operatorWrites,
  startOperatorProcess,
  sumMetric,
} from './operator-process.ts';
import { watchRunning } from './running.ts';
import { steadyState } from './steady.ts';

const { values } = parseArgs({
  options: {
    sessions: { type: 'string', default: '200' },
    steady: { type: 'string' },
    quiet: { type: 'string', default: '10m' },
    workers: { type: 'string' },
    qps: { type: 'string' },
    'operator-log': { type: 'string' },
  },
});
const n = Number(values.sessions);
if (!Number.isInteger(n) || n < 1 || n > 5000)
  throw new Error('--sessions must be a whole number from 1 to 5000');
const steady = values.steady === undefined ? undefined : Number(values.steady);
if (steady !== undefined && (!Number.isInteger(steady) || steady < n || steady > 10_000))
  throw new Error('--steady must be a whole number from --sessions to 10000');
const quietMs = parseDuration(values.quiet);
if (quietMs === undefined) throw new Error('--quiet must be a duration such as 10m or 90s');
const operatorFlags = [
  ...(values.workers ? [`--workers=${values.workers}`] : []),
  ...(values.qps ? [`--kube-api-qps=${values.qps}`] : []),
  ...(values['operator-log'] ? ['--log-level=debug'] : []),
];
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

/** Creates `names` at once and waits until `runningAt` has them all. */
async function burst(
  names: string[],
  create: (name: string) => Promise<unknown>,
  runningAt: ReadonlyMap<string, number>,
): Promise<Burst> {
  const t0 = performance.now();
  const sentAt = await createAll(names, create, CREATE_CONCURRENCY);
  await untilAll(names, runningAt, 'Running', TIMEOUT_MS);
  return {
    allRunningMs: Math.max(...names.map((name) => runningAt.get(name) ?? 0)) - t0,
    latencies: names.map((name) => (runningAt.get(name) ?? 0) - (sentAt.get(name) ?? 0)),
  };
}

const bench = await startBenchCluster(resources);
const running = await watchRunning(bench.cluster.kubeconfigPath);
try {
  const { core, custom } = bench;
  await addBenchNodes(bench, steady ?? n);
  const names = Array.from({ length: n }, (_, i) => `b-${String(i)}`);

  // The floor: N bare pods at once.
  const floor = await burst(
    names,
    (name) => core.createNamespacedPod({ namespace: ns, body: barePod(name, resources, { bench: 'floor' }) }),
    running.floor,
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
  const operator = await startOperatorProcess(bench, operatorFlags, values['operator-log']);
  // The common case: a proposal onboarded before its beamtime, whose shared data claims the operator
  // made and kube-controller-manager bound when the namespace appeared.
  await until(
    async () => {
      const claims = (
        await core.listNamespacedPersistentVolumeClaim({ namespace: ns, labelSelector: DATA_LABEL })
      ).items;
      return claims.length > 0 && claims.every((c) => c.status?.phase === 'Bound');
    },
    120_000,
    200,
  );
  const where = { group: GROUP, version: VERSION, namespace: ns, plural: 'analysissessions' };
  const beforeText = await operator.metrics();
  const before = {
    operator: operatorWrites(beforeText),
    conflicts: operatorConflicts(beforeText),
    api: await apiServerWrites(bench),
  };
  const sessions = await burst(
    names,
    (name) => custom.createNamespacedCustomObject({ ...where, body: benchSession(name) }),
    running.sessions,
  );
  const text = await operator.metrics();
  const after = {
    operator: operatorWrites(text),
    conflicts: operatorConflicts(text),
    api: await apiServerWrites(bench),
  };
  const cpuSeconds = sumMetric(text, 'process_cpu_seconds_total');
  const { peakMiB } = await operator.memory();
  const lags = names.map((name) => (running.sessions.get(name) ?? 0) - (running.sessionPods.get(name) ?? 0));

  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const row = (what: string, b: Burst) =>
    `  ${what.padEnd(18)} ${s(b.allRunningMs).padStart(9)} ${s(percentile(b.latencies, 50)).padStart(9)} ${s(percentile(b.latencies, 99)).padStart(9)}`;
  console.log(
    `\nburst of ${String(n)}, created at once (${String(CREATE_CONCURRENCY)} requests in flight), one local control plane${operatorFlags.length ? `, operator ${operatorFlags.join(' ')}` : ''}`,
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
    `  session Running after its pod: p50 ${(percentile(lags, 50) / 1000).toFixed(2)} s, p99 ${(percentile(lags, 99) / 1000).toFixed(2)} s, max ${(Math.max(...lags) / 1000).toFixed(2)} s`,
  );
  console.log(
    `  operator writes per session (rest_client_requests_total, non-GET): ${((after.operator - before.operator) / n).toFixed(1)}, of which refused as conflicts (409): ${((after.conflicts - before.conflicts) / n).toFixed(2)}`,
  );
  console.log(
    `  API server writes per session (apiserver_request_total, every client, minus the bench's create): ${((after.api - before.api - n) / n).toFixed(1)}`,
  );
  console.log(`  operator CPU: ${cpuSeconds.toFixed(1)} s; peak RSS: ${peakMiB.toFixed(0)} MiB`);

  if (steady !== undefined) {
    const report = await steadyState(bench, operator, running.sessions, {
      total: steady,
      from: n,
      quietMs,
      operatorFlags,
    });
    console.log(report);
  } else await operator.stop();
} finally {
  await running.stop();
  await bench.close();
}
