// Leader election between two real operator processes (testing/leader-process.ts) on one Lease.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { createTestNamespace, eventually, testKubeConfig } from '../testing/kube.ts';
import { TcpProxy } from '../testing/tcp-proxy.ts';
import { ConfigMaps, collectionPath } from './resources.ts';
import { RestClient } from './rest.ts';
import { sleep } from './time.ts';

interface Report {
  event: string;
  identity: string;
  t: number;
  name?: string;
  code?: number;
}

const kc = testKubeConfig();
const client = new RestClient(kc);
let ns: Awaited<ReturnType<typeof createTestNamespace>>;
const reports: Report[] = [];
const children: ChildProcess[] = [];

function startReplica(
  identity: string,
  kubeconfig = inject('kubeconfig'),
  lease = 'daas-test-leader',
): ChildProcess {
  const child = spawn(process.execPath, ['testing/leader-process.ts', kubeconfig, ns.name, lease, identity], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    try {
      reports.push(JSON.parse(line) as Report);
    } catch {
      // not a report
    }
  });
  children.push(child);
  return child;
}

const reported = (identity: string, event: string, name?: string, since = 0) =>
  eventually(
    `${identity} to report ${event} ${name ?? ''}`,
    () =>
      Promise.resolve(
        reports.find(
          (r) =>
            r.identity === identity &&
            r.event === event &&
            r.t >= since &&
            (name === undefined || r.name === name),
        ),
      ),
    30_000,
    20,
  );
const createCm = (name: string) =>
  client.request('POST', collectionPath(ConfigMaps, ns.name), { body: { metadata: { name } } });
const reconcilers = (name: string) =>
  new Set(reports.filter((r) => r.event === 'reconciled' && r.name === name).map((r) => r.identity));

beforeAll(async () => {
  ns = await createTestNamespace(kc, 'leader');
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await ns.remove();
  client.close();
});

describe('leader election', () => {
  it('lets only the leader reconcile, hands over fast on SIGTERM and within the lease on SIGKILL', async () => {
    const a = startReplica('replica-a');
    await reported('replica-a', 'leading');
    startReplica('replica-b');
    await reported('replica-b', 'started');
    await createCm('one');
    await reported('replica-a', 'reconciled', 'one');
    await sleep(1000);
    expect(reconcilers('one')).toEqual(new Set(['replica-a']));

    const terminatedAt = Date.now();
    a.kill('SIGTERM');
    const bLeads = await reported('replica-b', 'leading');
    const handover = bLeads.t - terminatedAt;
    console.log(`SIGTERM hand-over: ${handover} ms`);
    expect(handover).toBeLessThan(3000);
    expect((await reported('replica-a', 'exit')).code).toBe(0);
    // The new leader reconciles everything once (level-triggered), and new objects from now on.
    await createCm('two');
    await reported('replica-b', 'reconciled', 'two');
    await reported('replica-b', 'reconciled', 'one');

    const b = children[1];
    startReplica('replica-c');
    await reported('replica-c', 'started');
    await sleep(2500); // let c observe b's renewals
    const killedAt = Date.now();
    b?.kill('SIGKILL');
    const cLeads = await reported('replica-c', 'leading');
    const takeover = cLeads.t - killedAt;
    console.log(`SIGKILL hand-over: ${takeover} ms`);
    // Not before the lease could have expired, and within lease duration (15 s) plus one retry (2.4 s).
    expect(takeover).toBeGreaterThan(10_000);
    expect(takeover).toBeLessThan(15_000 + 2400 + 1000);
    await reported('replica-c', 'reconciled', 'two');
  });

  it('a leader cut off from the API server stops reconciling before the lease can pass, and leads again without exiting', async () => {
    const server = new URL(kc.getCurrentCluster()?.server ?? '');
    const proxy = await TcpProxy.start(server.hostname, Number(server.port));
    const dir = await mkdtemp(join(tmpdir(), 'daas-leader-'));
    try {
      const viaProxy = join(dir, 'kubeconfig');
      await writeFile(viaProxy, proxy.kubeConfig(kc).exportConfig());
      startReplica('replica-cut', viaProxy, 'daas-test-cutoff');
      await reported('replica-cut', 'leading');
      await createCm('cut-before');
      await reported('replica-cut', 'reconciled', 'cut-before');

      const cutAt = Date.now();
      proxy.refuse(true);
      const lost = await reported('replica-cut', 'lost');
      console.log(`cut off: controllers stopped ${lost.t - cutAt} ms after the cut`);
      // renewDeadline (10 s) from the last renewal, which was before the cut: well before the 15 s
      // after which a standby could take the lease over.
      expect(lost.t - cutAt).toBeLessThan(11_000);
      await sleep(3000);
      proxy.refuse(false);
      const backAt = Date.now();
      const again = await reported('replica-cut', 'leading', undefined, backAt);
      console.log(`back: leading again ${again.t - backAt} ms after the API server was reachable`);
      await createCm('cut-after');
      await reported('replica-cut', 'reconciled', 'cut-after');
      expect(reports.filter((r) => r.identity === 'replica-cut' && r.event === 'exit')).toEqual([]);
    } finally {
      await proxy.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
