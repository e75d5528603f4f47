// Benchmark of VM sessions, claim from the warm pool against a cold start, in one run, on a private
// control plane with the whole operator and the SIMULATED virt-controller (no guest boots here: a cold
// start below pays the control plane's path VM → instance → launcher pod → Running, not a guest's
// boot, which on a real KubeVirt adds minutes to cold starts only).
// 1. An image with a warm pool of N: wait until N VMs are ready, then N sessions created at once.
// 2. The same image without a pool: N sessions created at once (each boots its own VM).
// Create → Running median and p99 for both, and their ratio.
// Usage: npm run bench:vms [-- --sessions=10 --guest-boot=0] (--guest-boot: a simulated guest boot in
// seconds, which a cold start waits for and a claim does not; 0 measures the control plane alone)
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { GROUP, VERSION, type AnalysisSession, type SessionImage } from '../crds/index.ts';
import { loadClusterAccess } from '../runtime/kubeconfig.ts';
import { RestClient } from '../runtime/rest.ts';
import { sleep } from '../runtime/time.ts';
import { analysisSessionObject } from '../testing/objects.ts';
import { linuxVmImageObject } from '../testing/vm-images.ts';
import { startKubevirtSimulation } from '../tools/controlplane/kubevirt-sim/controller.ts';
import {
  BENCH_NAMESPACE as ns,
  BENCH_PROPOSAL,
  createAll,
  median,
  percentile,
  startBenchCluster,
  startBenchOperator,
  until,
  untilAll,
} from './common.ts';

const { values } = parseArgs({
  options: { sessions: { type: 'string', default: '10' }, 'guest-boot': { type: 'string', default: '0' } },
});
const n = Number(values.sessions);
/** A simulated guest boot in seconds (the simulation's guestBootMs): what a pool VM has done before a claim. */
const guestBootS = Number(values['guest-boot']);
const POOL_NS = 'daas-pool';

const bench = await startBenchCluster();
const { custom, core } = bench;
const where = { group: GROUP, version: VERSION, namespace: ns, plural: 'analysissessions' };
const simClient = new RestClient(loadClusterAccess(bench.cluster.kubeconfigPath));
try {
  await core.createNamespace({ body: { metadata: { name: POOL_NS } } });
  const vmImage = (name: string, pool: number) =>
    custom.createClusterCustomObject({
      group: GROUP,
      version: VERSION,
      plural: 'sessionimages',
      body: linuxVmImageObject(
        name,
        { disk: { containerDisk: 'quay.io/containerdisks/ubuntu:24.04' } },
        {
          resources: { default: { cpu: '100m', memory: '256Mi' }, max: { cpu: 1, memory: '1Gi' } },
          ...(pool > 0 ? { warmPool: { size: pool } } : {}),
        },
      ),
    });
  await vmImage('bench-vm-pooled', n);
  await vmImage('bench-vm-cold', 0);
  const simulation = await startKubevirtSimulation({
    client: simClient,
    log: pino({ level: 'warn' }),
    guestBootMs: guestBootS * 1000,
  });
  const operator = await startBenchOperator(bench, [
    '--virtual-machines',
    '--quotas=false',
    `--warm-pool-max-vms=${String(n)}`,
  ]);
  const readyVms = async () =>
    (
      (await custom.getClusterCustomObject({
        group: GROUP,
        version: VERSION,
        plural: 'sessionimages',
        name: 'bench-vm-pooled',
      })) as SessionImage
    ).status?.warmPool?.ready ?? 0;
  const poolStart = performance.now();
  await until(async () => (await readyVms()) === n, 300_000, 200);
  console.log(
    `\nwarm pool of ${String(n)} ready in ${((performance.now() - poolStart) / 1000).toFixed(1)} s`,
  );

  const list = async () =>
    ((await custom.listNamespacedCustomObject(where)) as { items: AnalysisSession[] }).items;
  async function burst(prefix: string, image: string) {
    const names = Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(3, '0')}`);
    const wanted = new Set(names);
    const runningAt = new Map<string, number>();
    const sentAt = await createAll(names, (name) =>
      custom.createNamespacedCustomObject({
        ...where,
        body: analysisSessionObject(name, { image, owner: 'bench', proposal: BENCH_PROPOSAL }),
      }),
    );
    const watching = (async () => {
      while (runningAt.size < names.length) {
        for (const s of await list())
          if (wanted.has(s.metadata.name) && s.status?.phase === 'Running' && !runningAt.has(s.metadata.name))
            runningAt.set(s.metadata.name, performance.now());
        await sleep(20);
      }
    })();
    try {
      await untilAll(names, runningAt, 'Running', 120_000);
    } catch (err) {
      for (const s of await list())
        if (!runningAt.has(s.metadata.name))
          console.log(`  ${s.metadata.name}: ${s.status?.phase ?? '-'}: ${s.status?.message ?? ''}`);
      throw err;
    }
    await watching;
    return names.map((name) => (runningAt.get(name) ?? 0) - (sentAt.get(name) ?? 0));
  }

  // Warm up: the proposal's first session creates its data claims; neither measured burst pays for it.
  await custom.createNamespacedCustomObject({
    ...where,
    body: analysisSessionObject('warm-up', {
      image: 'bench-vm-cold',
      owner: 'bench',
      proposal: BENCH_PROPOSAL,
    }),
  });
  await until(async () => (await list()).some((s) => s.status?.phase === 'Running'), 120_000, 100);

  const claimed = await burst('claim', 'bench-vm-pooled');
  const refill = performance.now();
  await until(async () => (await readyVms()) === n, 300_000, 100);
  const refilledS = (performance.now() - refill) / 1000;
  const cold = await burst('cold', 'bench-vm-cold');
  const line = (what: string, ms: number[]) =>
    `  ${what}: median ${median(ms).toFixed(0)} ms, p99 ${percentile(ms, 99).toFixed(0)} ms`;
  console.log(
    `create → Running, ${String(n)} VM sessions created at once (simulated virt-controller, simulated guest boot ${String(guestBootS)} s)`,
  );
  console.log(line('claim from the warm pool', claimed));
  console.log(line('cold start (own VM)     ', cold));
  console.log(
    `  ratio cold/claim: median ${(median(cold) / median(claimed)).toFixed(1)}×, p99 ${(percentile(cold, 99) / percentile(claimed, 99)).toFixed(1)}× ${guestBootS > 0 ? '(the simulated boot stands for a real guest boot, minutes on a real KubeVirt)' : "(a real guest's boot adds to cold starts only)"}`,
  );
  console.log(
    `  pool back to ${String(n)} ready VMs ${refilledS.toFixed(1)} s after the last claim was Running`,
  );
  console.log(
    `  load average after the run: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  await operator.shutdown('bench done');
  await simulation.stop();
} finally {
  simClient.close();
  await bench.close();
}
