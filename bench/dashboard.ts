// Benchmark: the dashboard with many sessions and many open pages. On its own local control plane:
// N sessions of U users in one proposal, the real dashboard in this process (users signed in as a
// trusted proxy would send them), S open event streams spread over the users; then the render time
// of /resources (a user's cards), the proposal page and the admin's all-sessions page, and the
// fan-out latency from a change sent to the API server to the card arriving on every stream that
// shows the session.
// Usage: npm run bench:dashboard [-- --sessions=1000 --users=10 --streams=200 --changes=50]
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PatchStrategy, RbacAuthorizationV1Api, setHeaderOptions } from '@kubernetes/client-node';
import { pino } from 'pino';
import { ADMINS_GROUP, GROUP, VERSION } from '../crds/index.ts';
import { startDashboard } from '../dashboard/start.ts';
import { freePort } from '../tools/controlplane/cluster.ts';
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
} from './common.ts';

const { values } = parseArgs({
  options: {
    sessions: { type: 'string', default: '1000' },
    users: { type: 'string', default: '10' },
    streams: { type: 'string', default: '200' },
    changes: { type: 'string', default: '50' },
  },
});
const [sessions, users, streams, changes] = [
  values.sessions,
  values.users,
  values.streams,
  values.changes,
].map(Number) as [number, number, number, number];
const userOf = (i: number) => `user-${String(i % users)}`;
const sessionName = (i: number) => `s-${String(i)}`;
const PROXY_SECRET = randomBytes(16).toString('hex');
const ms = (x: number) => `${x.toFixed(1)} ms`;

const bench = await startBenchCluster();
const dir = await mkdtemp(join(tmpdir(), 'bench-dashboard-'));
try {
  const { kc, core, custom } = bench;
  await kc.makeApiClient(RbacAuthorizationV1Api).createNamespacedRoleBinding({
    namespace: ns,
    body: {
      metadata: { name: 'daas-members' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'daas-scientist' },
      subjects: Array.from({ length: users }, (_, i) => ({
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'User',
        name: userOf(i),
      })),
    },
  });
  await core.createNamespacedSecret({
    namespace: ns,
    body: { metadata: { name: 'ticket-keys' }, data: { primary: randomBytes(32).toString('base64') } },
  });
  await writeFile(join(dir, 'keys'), randomBytes(32).toString('base64'));
  await writeFile(join(dir, 'secret'), PROXY_SECRET);
  const where = { group: GROUP, version: VERSION, namespace: ns, plural: 'analysissessions' };
  const names = Array.from({ length: sessions }, (_, i) => sessionName(i));
  const created = performance.now();
  await createAll(names, (name) =>
    custom.createNamespacedCustomObject({
      ...where,
      body: analysisSessionObject(name, {
        image: BENCH_IMAGE,
        owner: userOf(Number(name.slice(2))),
        proposal: BENCH_PROPOSAL,
      }),
    }),
  );
  process.stdout.write(`created ${String(sessions)} sessions in ${ms(performance.now() - created)}\n`);

  const [port, gatewayPort] = [await freePort(), await freePort()];
  const origin = `http://127.0.0.1:${String(port)}`;
  const dashboard = await startDashboard({
    argv: [
      `--kubeconfig=${bench.cluster.kubeconfigPath}`,
      `--namespaces=${ns}`,
      `--listen-address=127.0.0.1:${String(port)}`,
      `--public-url=${origin}/`,
      `--session-keys-file=${join(dir, 'keys')}`,
      '--trusted-proxies=127.0.0.1',
      `--trusted-proxy-secret-file=${join(dir, 'secret')}`,
      `--favorites-namespace=${ns}`,
      `--gateway-listen-address=127.0.0.1:${String(gatewayPort)}`,
      `--gateway-public-url=http://127.0.0.1:${String(gatewayPort)}/`,
      `--gateway-ticket-keys-secret=${ns}/ticket-keys`,
      '--gateway-metrics-bind-address=0',
      '--gateway-health-probe-bind-address=0',
    ],
    env: {},
    log: pino({ level: 'warn' }),
  });
  await dashboard.manager.waitForCacheSync();
  await until(async () => Promise.resolve(dashboard.dashboard.caches.sessions.list().length === sessions));
  const as = (user: string, groups = '') => ({
    'x-forwarded-user': user,
    'x-forwarded-groups': groups,
    'x-daas-proxy-secret': PROXY_SECRET,
  });

  const render = async (
    label: string,
    path: string,
    headers: (i: number) => Record<string, string>,
    n: number,
  ) => {
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const started = performance.now();
      const res = await fetch(origin + path, { headers: headers(i) });
      const body = await res.text();
      times.push(performance.now() - started);
      if (res.status !== 200) throw new Error(`${path}: ${String(res.status)} ${body.slice(0, 200)}`);
    }
    times.shift(); // the first answer also fills the access review cache
    process.stdout.write(
      `${label.padEnd(44)} p50 ${ms(median(times))}  p99 ${ms(percentile(times, 99))}  (${String(n)} requests)\n`,
    );
  };
  await render(
    `/resources (${String(sessions / users)} cards of one user)`,
    '/resources',
    (i) => as(userOf(i)),
    200,
  );
  await render(
    `/proposals/<ns> (${String(sessions)} sessions, newest shown)`,
    `/proposals/${ns}`,
    () => as(userOf(0)),
    30,
  );
  await render(
    `/admin/sessions (${String(sessions)} sessions, newest shown)`,
    '/admin/sessions',
    () => as('admin', ADMINS_GROUP),
    30,
  );
  await render('/proposals', '/proposals', (i) => as(userOf(i)), 200);

  // Open streams, spread over the users; each reads events and notes when a marked card arrives.
  const arrivals = new Map<string, number[]>();
  const readers: ReadableStreamDefaultReader<Uint8Array>[] = [];
  for (let s = 0; s < streams; s++) {
    const res = await fetch(`${origin}/events?view=mine`, { headers: as(userOf(s)) });
    const reader = res.body?.getReader();
    if (!reader) throw new Error('no stream');
    readers.push(reader);
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const marker = /changed-(\d+)/.exec(event)?.[1];
          if (marker) arrivals.set(marker, [...(arrivals.get(marker) ?? []), performance.now()]);
        }
      }
    })();
  }
  await until(async () => Promise.resolve(dashboard.dashboard.live.size === streams));
  const sentAt = new Map<string, number>();
  for (let c = 0; c < changes; c++) {
    const name = sessionName(c);
    sentAt.set(String(c), performance.now());
    await custom.patchNamespacedCustomObject(
      { ...where, name, body: { spec: { displayName: `changed-${String(c)}` } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }
  const perChange = streams / users;
  await until(
    async () =>
      Promise.resolve([...arrivals.values()].reduce((n, a) => n + a.length, 0) >= changes * perChange),
    30_000,
  );
  const latencies = [...sentAt].flatMap(([marker, sent]) =>
    (arrivals.get(marker) ?? []).map((at) => at - sent),
  );
  process.stdout.write(
    `fan-out: ${String(changes)} changes × ${String(perChange)} streams each (${String(streams)} open): ` +
      `p50 ${ms(median(latencies))}  p99 ${ms(percentile(latencies, 99))}  max ${ms(Math.max(...latencies))}\n`,
  );
  process.stdout.write(
    `dashboard process: rss ${String(Math.round(process.memoryUsage().rss / 2 ** 20))} MiB (with the cluster client and this benchmark)\n`,
  );
  for (const reader of readers) await reader.cancel().catch(() => undefined);
  await dashboard.stop();
} finally {
  await rm(dir, { recursive: true, force: true });
  await bench.close();
}
