// The steady state after a burst: grow to M converged sessions, then measure the operator's memory,
// the writes it makes over a quiet period (a converged session should cost none), and a cold restart
// (kill -9, a new process): how long until every session has been reconciled again, and what that
// cost in writes.
import { GROUP, VERSION } from '../crds/index.ts';
import { formatDuration } from '../runtime/duration.ts';
import { sleep } from '../runtime/time.ts';
import { BENCH_NAMESPACE, benchSession, createAll, until, untilAll, type BenchCluster } from './common.ts';
import { operatorWrites, startOperatorProcess, sumMetric, type OperatorProcess } from './operator-process.ts';

const SESSIONS = 'name="analysissession"';
/** How long after the restart memory is read again (the heap shrinks once the start-up garbage is collected). */
const SETTLE_MS = 30_000;
const CONTROLLER = 'controller="analysissession"';

export interface SteadyOptions {
  /** Sessions to reach in all. */
  total: number;
  /** Sessions b-0 … b-(from-1) exist already. */
  from: number;
  quietMs: number;
  operatorFlags: readonly string[];
}

/** Waits until the operator's session queue is empty, no reconcile runs and no write was made for 10 s. */
async function converged(operator: OperatorProcess, timeoutMs = 30 * 60_000): Promise<void> {
  let lastWrites = -1;
  let stillSince = performance.now();
  await until(
    async () => {
      const text = await operator.metrics();
      const writes = operatorWrites(text);
      const busy =
        sumMetric(text, 'workqueue_depth', (l) => l.includes(SESSIONS)) +
        sumMetric(text, 'controller_runtime_active_workers', (l) => l.includes(CONTROLLER));
      if (writes !== lastWrites || busy > 0) {
        lastWrites = writes;
        stillSince = performance.now();
      }
      return performance.now() - stillSince >= 10_000;
    },
    timeoutMs,
    1000,
  );
}

export async function steadyState(
  bench: BenchCluster,
  operator: OperatorProcess,
  sessionsRunning: ReadonlyMap<string, number>,
  options: SteadyOptions,
): Promise<string> {
  const { total, from } = options;
  const names = Array.from({ length: total - from }, (_, i) => `b-${String(from + i)}`);
  const where = { group: GROUP, version: VERSION, namespace: BENCH_NAMESPACE, plural: 'analysissessions' };
  await createAll(names, (name) =>
    bench.custom.createNamespacedCustomObject({ ...where, body: benchSession(name) }),
  );
  await untilAll(names, sessionsRunning, 'Running', 30 * 60_000);
  await converged(operator);
  const settled = await operator.memory();

  const quietFrom = operatorWrites(await operator.metrics());
  await sleep(options.quietMs);
  const quietWrites = operatorWrites(await operator.metrics()) - quietFrom;
  const afterQuiet = await operator.memory();
  await operator.stop('SIGKILL');

  // Cold restart: a new process lists everything and reconciles every session once.
  const t0 = performance.now();
  const restarted = await startOperatorProcess(bench, options.operatorFlags);
  const readyMs = performance.now() - t0;
  await until(
    async () => {
      const text = await restarted.metrics();
      const reconciled = sumMetric(text, 'controller_runtime_reconcile_total', (l) => l.includes(CONTROLLER));
      const busy =
        sumMetric(text, 'workqueue_depth', (l) => l.includes(SESSIONS)) +
        sumMetric(text, 'controller_runtime_active_workers', (l) => l.includes(CONTROLLER));
      return reconciled >= total && busy === 0;
    },
    10 * 60_000,
    100,
  );
  const reverifiedMs = performance.now() - t0;
  const restartWrites = operatorWrites(await restarted.metrics());
  const restartMemory = await restarted.memory();
  await sleep(SETTLE_MS);
  const settledAfterRestart = await restarted.memory();
  await restarted.stop();

  const mib = (x: number) => `${x.toFixed(0)} MiB`;
  return [
    `\nsteady state: ${String(total)} converged sessions`,
    `  operator RSS: ${mib(settled.rssMiB)} once converged, ${mib(afterQuiet.rssMiB)} after the quiet period; peak ${mib(afterQuiet.peakMiB)}`,
    `  operator writes over ${formatDuration(options.quietMs)} of quiet: ${String(quietWrites)}`,
    `  cold restart (kill -9, new process): caches synced in ${(readyMs / 1000).toFixed(1)} s, every session re-verified in ${(reverifiedMs / 1000).toFixed(1)} s, ${String(restartWrites)} writes`,
    `  after the restart: RSS ${mib(restartMemory.rssMiB)} when re-verified, ${mib(settledAfterRestart.rssMiB)} ${String(SETTLE_MS / 1000)} s later; peak ${mib(settledAfterRestart.peakMiB)}`,
  ].join('\n');
}
