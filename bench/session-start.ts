// Benchmark: how long from creating an AnalysisSession to phase Running, against a baseline measured
// in the same run: a bare Pod (same image and resources) from create to Running on the same
// control plane. The ratio is the operator's cost on top of what Kubernetes itself takes.
// Usage: npm run bench:sessions [-- --sessions=20 --rounds=3]
import { parseArgs } from 'node:util';
import { GROUP, VERSION } from '../crds/index.ts';
import {
  BENCH_NAMESPACE as ns,
  barePod,
  benchSession,
  median,
  percentile,
  startBenchCluster,
  until,
  startBenchOperator,
} from './common.ts';

const { values } = parseArgs({
  options: { sessions: { type: 'string', default: '20' }, rounds: { type: 'string', default: '3' } },
});
const perRound = Number(values.sessions);
const rounds = Number(values.rounds);

const bench = await startBenchCluster();
try {
  const { core, custom } = bench;
  const operator = await startBenchOperator(bench);

  const podMs: number[] = [];
  const sessionMs: number[] = [];
  for (let round = 0; round < rounds; round++) {
    // Baseline: bare pods, created one at a time, create → Running.
    for (let i = 0; i < perRound; i++) {
      const name = `pod-${String(round)}-${String(i)}`;
      const t0 = performance.now();
      await core.createNamespacedPod({ namespace: ns, body: barePod(name) });
      await until(
        async () => (await core.readNamespacedPod({ name, namespace: ns })).status?.phase === 'Running',
      );
      podMs.push(performance.now() - t0);
    }
    // Sessions: create → status.phase Running (shared data claims, secret, policy, pod, status).
    for (let i = 0; i < perRound; i++) {
      const name = `s-${String(round)}-${String(i)}`;
      const t0 = performance.now();
      const where = { group: GROUP, version: VERSION, namespace: ns, plural: 'analysissessions' };
      await custom.createNamespacedCustomObject({ ...where, body: benchSession(name) });
      await until(async () => {
        const s = (await custom.getNamespacedCustomObject({ ...where, name })) as {
          status?: { phase?: string };
        };
        return s.status?.phase === 'Running';
      });
      sessionMs.push(performance.now() - t0);
    }
    console.log(
      `round ${String(round + 1)}: pod median ${median(podMs.slice(-perRound)).toFixed(0)} ms, session median ${median(sessionMs.slice(-perRound)).toFixed(0)} ms`,
    );
  }
  await operator.shutdown('bench done');
  const pm = median(podMs);
  const sm = median(sessionMs);
  const p90 = (xs: number[]) => percentile(xs, 90).toFixed(0);
  console.log(
    `\nsession start (create → Running), ${String(sessionMs.length)} sessions over ${String(rounds)} rounds`,
  );
  console.log(`  baseline bare pod: median ${pm.toFixed(0)} ms, p90 ${p90(podMs)} ms`);
  console.log(`  AnalysisSession:   median ${sm.toFixed(0)} ms, p90 ${p90(sessionMs)} ms`);
  console.log(`  ratio session/pod: ${(sm / pm).toFixed(2)}`);
} finally {
  await bench.close();
}
