// Benchmark: how long from creating an AnalysisSession to phase Running, against a baseline measured
// in the same run: a bare Pod (same image and resources) from create to Running on the same
// control plane. The ratio is the operator's cost on top of what Kubernetes itself takes.
// Usage: npm run bench:sessions [-- --sessions=20 --rounds=3]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CoreV1Api, CustomObjectsApi, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { pino } from 'pino';
import { GROUP, VERSION } from '../crds/index.ts';
import { startOperator } from '../operator/start.ts';
import { sleep } from '../runtime/time.ts';
import { ensureBinaries } from '../tools/controlplane/binaries.ts';
import { LocalCluster } from '../tools/controlplane/cluster.ts';
import { installCrds } from '../tools/controlplane/crds.ts';

const { values } = parseArgs({
  options: { sessions: { type: 'string', default: '20' }, rounds: { type: 'string', default: '3' } },
});
const perRound = Number(values.sessions);
const rounds = Number(values.rounds);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};
const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)] ?? 0;

async function until(check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(20);
  }
}

const binDir = await ensureBinaries();
const dir = await mkdtemp(join(tmpdir(), 'daas-bench-'));
const cluster = await LocalCluster.start({ dir, binDir, ownerPid: process.pid, ephemeral: true });
try {
  await installCrds(cluster.kubeconfigPath, binDir);
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfigPath);
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const ns = 'bench-proposal';
  await core.createNamespace({
    body: { metadata: { name: ns, labels: { 'daas.calipsoplus.eu/proposal': 'BENCH-1' } } },
  });
  await custom.createClusterCustomObject({
    group: GROUP,
    version: VERSION,
    plural: 'sessionimages',
    body: {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'SessionImage',
      metadata: { name: 'bench-notebook' },
      spec: {
        displayName: 'bench',
        runtime: 'container',
        container: { image: 'quay.io/jupyter/scipy-notebook:2025-06-02' },
        access: { protocol: 'http', port: 8888 },
        resources: { default: { cpu: '100m', memory: '256Mi' }, max: { cpu: 1, memory: '1Gi' } },
        lifecycle: { defaultLifetime: '1h', maxLifetime: '2h' },
        availability: { everyone: true },
      },
    },
  });
  await until(async () => (await core.listNamespacedServiceAccount({ namespace: ns })).items.length > 0);
  const operator = await startOperator({
    argv: [
      `--kubeconfig=${cluster.kubeconfigPath}`,
      '--leader-elect=false',
      '--metrics-bind-address=0',
      '--health-probe-bind-address=0',
    ],
    env: {},
    log: pino({ level: 'warn' }),
    handleSignals: false,
  });
  await operator.manager.waitForCacheSync();

  const podMs: number[] = [];
  const sessionMs: number[] = [];
  for (let round = 0; round < rounds; round++) {
    // Baseline: bare pods, created one at a time, create → Running.
    for (let i = 0; i < perRound; i++) {
      const name = `pod-${String(round)}-${String(i)}`;
      const body: V1Pod = {
        metadata: { name },
        spec: {
          containers: [
            {
              name: 'session',
              image: 'quay.io/jupyter/scipy-notebook:2025-06-02',
              resources: {
                requests: { cpu: '100m', memory: '256Mi' },
                limits: { cpu: '100m', memory: '256Mi' },
              },
            },
          ],
        },
      };
      const t0 = performance.now();
      await core.createNamespacedPod({ namespace: ns, body });
      await until(
        async () => (await core.readNamespacedPod({ name, namespace: ns })).status?.phase === 'Running',
      );
      podMs.push(performance.now() - t0);
    }
    // Sessions: create → status.phase Running (pod, claims, service, secret, policy, status).
    for (let i = 0; i < perRound; i++) {
      const name = `s-${String(round)}-${String(i)}`;
      const t0 = performance.now();
      await custom.createNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: ns,
        plural: 'analysissessions',
        body: {
          apiVersion: `${GROUP}/${VERSION}`,
          kind: 'AnalysisSession',
          metadata: { name },
          spec: { image: 'bench-notebook', owner: 'bench', proposal: 'BENCH-1' },
        },
      });
      await until(async () => {
        const s = (await custom.getNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          namespace: ns,
          plural: 'analysissessions',
          name,
        })) as { status?: { phase?: string } };
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
  console.log(
    `\nsession start (create → Running), ${String(sessionMs.length)} sessions over ${String(rounds)} rounds`,
  );
  console.log(`  baseline bare pod: median ${pm.toFixed(0)} ms, p90 ${p90(podMs).toFixed(0)} ms`);
  console.log(`  AnalysisSession:   median ${sm.toFixed(0)} ms, p90 ${p90(sessionMs).toFixed(0)} ms`);
  console.log(`  ratio session/pod: ${(sm / pm).toFixed(2)}`);
} finally {
  await cluster.stop();
  await rm(dir, { recursive: true, force: true });
}
