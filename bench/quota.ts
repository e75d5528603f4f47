// Benchmark and drill for quotas, on a private control plane with the whole operator (quotas on):
// 1. What quotas add: N sessions created at once by a user no quota applies to, then N by a user
//    whose quota has room for all, each burst to Running: create → Running median and p99, and the
//    operator's writes per session, in one run.
// 2. The acceptance burst: 200 sessions created at once by one user whose quota allows 5; the
//    admitted sessions and their pods are sampled throughout (never more than 5), the others must be
//    Queued with the message; stopping 2 must admit the 2 oldest.
// Usage: npm run bench:quota [-- --sessions=50 --burst=200]
import { parseArgs } from 'node:util';
import { GROUP, VERSION, type AnalysisSession } from '../crds/index.ts';
import { sleep } from '../runtime/time.ts';
import { analysisSessionObject } from '../testing/objects.ts';
import {
  BENCH_IMAGE,
  BENCH_NAMESPACE as ns,
  BENCH_PROPOSAL,
  createAll,
  median,
  percentile,
  startBenchCluster,
  until,
  startBenchOperator,
} from './common.ts';

const { values } = parseArgs({
  options: { sessions: { type: 'string', default: '50' }, burst: { type: 'string', default: '200' } },
});
const perBurst = Number(values.sessions);
const burst = Number(values.burst);
const LIMIT = 5;

const bench = await startBenchCluster({ cpu: '10m', memory: '32Mi' });
const where = { group: GROUP, version: VERSION, namespace: ns, plural: 'analysissessions' };
try {
  const { custom, core } = bench;
  const quota = (name: string, user: string, sessions: number) =>
    custom.createClusterCustomObject({
      group: GROUP,
      version: VERSION,
      plural: 'quotas',
      body: {
        apiVersion: `${GROUP}/${VERSION}`,
        kind: 'Quota',
        metadata: { name },
        spec: { subject: { kind: 'User', name: user }, limits: { sessions } },
      },
    });
  await quota('bench-roomy', 'with-quota', 1000);
  await quota('bench-five', 'five', LIMIT);
  const operator = await startBenchOperator(bench, ['--quotas=true']);
  const writes = async () =>
    (await operator.metrics.restRequests.get()).values
      .filter((v) => v.labels.method !== 'GET')
      .reduce((sum, v) => sum + v.value, 0);
  const list = async () =>
    ((await custom.listNamespacedCustomObject(where)) as { items: AnalysisSession[] }).items;

  /** Creates `count` sessions of `owner` at once; create → Running per session, and writes per session. */
  async function startBurst(owner: string, count: number) {
    const names = Array.from({ length: count }, (_, i) => `${owner}-${String(i).padStart(4, '0')}`);
    const before = await writes();
    const runningAt = new Map<string, number>();
    const sentAt = await createAll(names, (name) =>
      custom.createNamespacedCustomObject({
        ...where,
        body: analysisSessionObject(name, { image: BENCH_IMAGE, owner, proposal: BENCH_PROPOSAL }),
      }),
    );
    await until(
      async () => {
        for (const s of await list()) {
          if (s.status?.phase === 'Running' && !runningAt.has(s.metadata.name))
            runningAt.set(s.metadata.name, performance.now());
        }
        return names.every((n) => runningAt.has(n));
      },
      300_000,
      100,
    );
    await sleep(3000); // let the last status writes and the quota controller settle
    const ms = names.map((n) => (runningAt.get(n) ?? 0) - (sentAt.get(n) ?? 0));
    return { ms, writesPerSession: ((await writes()) - before) / count };
  }

  // Warm up: the proposal's first session creates its shared data claims and waits for them to bind;
  // neither measured burst should pay for that.
  await startBurst('warm-up', 1);
  const without = await startBurst('no-quota', perBurst);
  const withQuota = await startBurst('with-quota', perBurst);
  const line = (what: string, r: typeof without) =>
    `  ${what}: median ${median(r.ms).toFixed(0)} ms, p99 ${percentile(r.ms, 99).toFixed(0)} ms, ${r.writesPerSession.toFixed(2)} writes per session`;
  console.log(
    `\ncreate → Running, ${String(perBurst)} sessions created at once, quotas enforced by the operator`,
  );
  console.log(line('no quota applies     ', without));
  console.log(line('within a User quota  ', withQuota));

  // The acceptance burst.
  const names = Array.from({ length: burst }, (_, i) => `five-${String(i).padStart(4, '0')}`);
  let most = 0;
  let samples = 0;
  const state = { stop: false };
  const sampler = (async () => {
    while (!state.stop) {
      const [sessions, pods] = await Promise.all([
        list(),
        core.listNamespacedPod({ namespace: ns, labelSelector: 'daas.calipsoplus.eu/session' }),
      ]);
      const admitted = sessions.filter(
        (s) =>
          s.spec.owner === 'five' &&
          s.spec.state === 'Running' &&
          s.status?.conditions?.some((c) => c.type === 'QuotaAdmitted' && c.status === 'True'),
      ).length;
      const podsOfFive = pods.items.filter((p) =>
        (p.metadata?.annotations?.['daas.calipsoplus.eu/session'] ?? '').startsWith('five-'),
      ).length;
      most = Math.max(most, admitted, podsOfFive);
      samples += 1;
      await sleep(100);
    }
  })();
  try {
    const t0 = performance.now();
    await createAll(names, (name) =>
      custom.createNamespacedCustomObject({
        ...where,
        body: analysisSessionObject(name, { image: BENCH_IMAGE, owner: 'five', proposal: BENCH_PROPOSAL }),
      }),
    );
    // The oldest waiting session reads "You use 5 of 5 sessions (quota bench-five). Stop a session or
    // ask the facility to raise the quota."; the later ones also say how many wait before them.
    const saysWhy = (message = '') =>
      message.startsWith('You use 5 of 5 sessions') && message.includes('(quota bench-five)');
    await until(
      async () => {
        const mine = (await list()).filter((s) => s.spec.owner === 'five');
        const running = mine.filter((s) => s.status?.phase === 'Running').length;
        const queued = mine.filter((s) => s.status?.phase === 'Queued' && saysWhy(s.status.message)).length;
        return running === LIMIT && queued === burst - LIMIT;
      },
      300_000,
      200,
    );
    const settledMs = performance.now() - t0;
    const mine = (await list()).filter((s) => s.spec.owner === 'five');
    const running = mine.filter((s) => s.status?.phase === 'Running').map((s) => s.metadata.name);
    const oldest = mine
      .filter((s) => s.status?.phase === 'Queued')
      .map((s) => `${String(s.metadata.creationTimestamp)} ${s.metadata.name}`)
      .sort()
      .slice(0, 2)
      .map((k) => k.split(' ')[1] ?? '');
    const said = mine.find((s) => s.metadata.name === oldest[0])?.status?.message ?? '';
    for (const name of running.slice(0, 2)) {
      await custom.patchNamespacedCustomObject({
        ...where,
        name,
        body: [{ op: 'replace', path: '/spec/state', value: 'Stopped' }],
      });
    }
    await until(
      async () => {
        const now = (await list()).filter((s) => s.spec.owner === 'five' && s.status?.phase === 'Running');
        return now.length === LIMIT && oldest.every((n) => now.some((s) => s.metadata.name === n));
      },
      60_000,
      200,
    );
    await sleep(2000);
    state.stop = true;
    await sampler;
    console.log(`the oldest waiting session said: ${said}`);
    console.log(
      `\n${String(burst)} sessions at once, quota of ${String(LIMIT)}: settled (5 Running, ${String(burst - LIMIT)} Queued with the message) in ${(settledMs / 1000).toFixed(1)} s; at most ${String(most)} admitted or with a pod in ${String(samples)} samples; stopping 2 admitted the 2 oldest (${oldest.join(', ')})`,
    );
    if (most > LIMIT) process.exitCode = 1;
  } finally {
    state.stop = true;
    await sampler.catch(() => undefined);
  }
  await operator.shutdown('bench done');
} finally {
  await bench.close();
}
