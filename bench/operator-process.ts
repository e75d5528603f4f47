// The operator as its own process for the benchmarks (`node operator/main.ts`), so that its CPU,
// memory and requests are its own, with what a benchmark reads from it: Prometheus metrics and RSS.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { OPERATOR_NODE_FLAGS } from '../operator/process.ts';
import { freePort } from '../tools/controlplane/cluster.ts';
import { BENCH_NAMESPACE, until, type BenchCluster } from './common.ts';

export interface OperatorProcess {
  child: ChildProcess;
  /** The operator's Prometheus text. */
  metrics(): Promise<string>;
  /** Resident memory now and at its peak (VmRSS, VmHWM), in MiB. */
  memory(): Promise<{ rssMiB: number; peakMiB: number }>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function startOperatorProcess(
  bench: BenchCluster,
  flags: readonly string[] = [],
  /** Where the operator's JSON log goes (with --log-level in `flags`); none by default. */
  logFile?: string,
): Promise<OperatorProcess> {
  const metricsPort = await freePort();
  const healthPort = await freePort();
  const child = spawn(
    process.execPath,
    [
      // As everywhere the project starts the operator, unless BENCH_NODE_FLAGS tries others.
      ...(process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? OPERATOR_NODE_FLAGS),
      'operator/main.ts',
      `--kubeconfig=${bench.cluster.kubeconfigPath}`,
      `--namespaces=${BENCH_NAMESPACE}`,
      '--leader-elect=false',
      `--metrics-bind-address=127.0.0.1:${String(metricsPort)}`,
      `--health-probe-bind-address=127.0.0.1:${String(healthPort)}`,
      ...(flags.some((f) => f.startsWith('--log-level')) ? [] : ['--log-level=warn']),
      ...flags,
    ],
    { stdio: ['ignore', logFile ? openSync(logFile, 'a') : 'ignore', 'inherit'] },
  );
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  await until(
    async () => {
      const res = await fetch(`http://127.0.0.1:${String(healthPort)}/readyz`).catch(() => undefined);
      return res?.status === 200;
    },
    120_000,
    100,
  );
  return {
    child,
    metrics: async () => (await fetch(`http://127.0.0.1:${String(metricsPort)}/metrics`)).text(),
    memory: async () => {
      const status = await readFile(`/proc/${String(child.pid)}/status`, 'utf8');
      const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
      return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
    },
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** Sums the samples of `metric` in Prometheus text whose labels pass `keep`. */
export function sumMetric(
  text: string,
  metric: string,
  keep: (labels: string) => boolean = () => true,
): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = new RegExp(`^${metric}(\\{[^}]*\\})?\\s+([0-9.eE+-]+)$`).exec(line);
    if (m && keep(m[1] ?? '')) sum += Number(m[2]);
  }
  return sum;
}

/** What the operator has sent that changes something: every request but GETs (Events included). */
export const operatorWrites = (text: string): number =>
  sumMetric(text, 'rest_client_requests_total', (labels) => !labels.includes('method="GET"'));

/** Of those, the ones refused as conflicts (409). */
export const operatorConflicts = (text: string): number =>
  sumMetric(text, 'rest_client_requests_total', (labels) => labels.includes('code="409"'));

const MUTATING = /verb="(POST|PUT|PATCH|DELETE|APPLY|DELETECOLLECTION)"/;

/** Mutating requests the API server has served so far, from every client (its own counter). */
export async function apiServerWrites(bench: BenchCluster): Promise<number> {
  const { stdout } = await promisify(execFile)(
    `${bench.binDir}/kubectl`,
    ['--kubeconfig', bench.cluster.kubeconfigPath, 'get', '--raw', '/metrics'],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return sumMetric(stdout, 'apiserver_request_total', (labels) => MUTATING.test(labels));
}
