// Informer recovery from API server disruption. This file boots its own private control plane,
// because it stops kube-apiserver and compacts etcd, which would disturb tests on the shared one.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestNamespace, eventually } from '../testing/kube.ts';
import { TcpProxy } from '../testing/tcp-proxy.ts';
import { ensureBinaries } from '../tools/controlplane/binaries.ts';
import { LocalCluster } from '../tools/controlplane/cluster.ts';
import { Informer } from './informer.ts';
import { createLogger } from './logger.ts';
import { newRegistry, runtimeMetrics } from './metrics.ts';
import { ConfigMaps, collectionPath, objectPath } from './resources.ts';
import { RestClient } from './rest.ts';
import { sleep } from './time.ts';

const log = createLogger('silent');
let dir: string;
let cluster: LocalCluster;
let kc: KubeConfig;
let client: RestClient;
let ns: string;

const createCm = (name: string) =>
  client.request('POST', collectionPath(ConfigMaps, ns), { body: { metadata: { name } } });
const deleteCm = (name: string) => client.request('DELETE', objectPath(ConfigMaps, ns, name));

async function compactEtcd(): Promise<number> {
  const state = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as {
    ports: { etcdClient: number };
  };
  const base = `http://127.0.0.1:${state.ports.etcdClient}/v3/kv`;
  const range = (await (
    await fetch(`${base}/range`, {
      method: 'POST',
      body: JSON.stringify({ key: Buffer.from('/').toString('base64') }),
    })
  ).json()) as { header: { revision: string } };
  const revision = Number(range.header.revision);
  const res = await fetch(`${base}/compaction`, {
    method: 'POST',
    body: JSON.stringify({ revision: String(revision), physical: true }),
  });
  expect(res.status).toBe(200);
  return revision;
}

async function restartApiserver(): Promise<void> {
  await cluster.stopComponent('kube-apiserver');
  await cluster.startComponent('kube-apiserver');
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'daas-disruption-'));
  cluster = await LocalCluster.start({
    dir,
    binDir: await ensureBinaries(),
    ownerPid: process.pid,
    ephemeral: true,
  });
  kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfigPath);
  client = new RestClient(kc);
  ns = (await createTestNamespace(kc, 'disrupt')).name;
});

afterAll(async () => {
  client.close();
  await cluster.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('informer under API server disruption (private control plane)', () => {
  it('backs off during a 30 s outage and recovers after a restart, seeing what changed meanwhile', async () => {
    let requests = 0;
    const counting = new RestClient(kc, {
      onRequest: () => {
        requests++;
      },
    });
    const informer = new Informer(counting, ConfigMaps, log, { namespace: ns });
    informer.start();
    try {
      await createCm('before');
      await informer.waitForSync();
      await eventually('the first object', () => Promise.resolve(informer.get(`${ns}/before`)));
      await cluster.stopComponent('kube-apiserver');
      requests = 0;
      await sleep(30_000);
      const during = requests;
      console.log(`outage: ${during} requests in 30 s (${(during / 30).toFixed(2)}/s)`);
      expect(during).toBeGreaterThan(0); // it does keep trying
      expect(during / 30).toBeLessThan(1);

      await cluster.startComponent('kube-apiserver');
      const upAt = performance.now();
      // Changed while the informer was still disconnected (waiting out its back-off).
      await createCm('after');
      await deleteCm('before');
      await eventually(
        'the informer to catch up after the restart',
        () =>
          Promise.resolve(informer.get(`${ns}/after`) && !informer.get(`${ns}/before`) ? true : undefined),
        45_000,
        50,
      );
      console.log(
        `restart: caught up ${((performance.now() - upAt) / 1000).toFixed(1)} s after the API server was healthy`,
      );
    } finally {
      await informer.stop();
      counting.close();
    }
  });

  it('relists after 410 Gone and reports the objects deleted in the gap', async () => {
    const server = new URL(cluster.server);
    const proxy = await TcpProxy.start(server.hostname, Number(server.port));
    const metrics = runtimeMetrics(newRegistry());
    const viaProxy = new RestClient(proxy.kubeConfig(kc), { metrics });
    const informer = new Informer(viaProxy, ConfigMaps, log, {
      namespace: ns,
      metrics,
      // A quick retry once the proxy lets it through again; the outage back-off is the test above.
      backoff: { initialMs: 200, maxMs: 1000 },
    });
    const deleted: string[] = [];
    informer.addHandler({
      onDelete: (o, missed) => deleted.push(`${o.metadata.name ?? ''}${missed ? ' (missed)' : ''}`),
    });
    informer.start();
    try {
      await createCm('gap-deleted');
      await informer.waitForSync();
      await eventually('the object before the gap', () => Promise.resolve(informer.get(`${ns}/gap-deleted`)));
      const rvBefore = Number(informer.resourceVersion);
      proxy.refuse(true);
      await deleteCm('gap-deleted');
      await createCm('gap-created');
      // Compact etcd past the informer's resourceVersion and restart the API server, so neither etcd
      // nor the watch cache can replay the gap: resuming the watch must answer 410 Gone.
      expect(await compactEtcd()).toBeGreaterThan(rvBefore);
      await restartApiserver();
      proxy.refuse(false);
      await eventually(
        'the relist after 410',
        () =>
          Promise.resolve(
            informer.get(`${ns}/gap-created`) && !informer.get(`${ns}/gap-deleted`) ? true : undefined,
          ),
        30_000,
        50,
      );
      expect(deleted).toEqual(['gap-deleted (missed)']);
      const reasons = (await metrics.informerRelists.get()).values.map(
        (v) => `${String(v.labels.reason)}=${v.value}`,
      );
      expect(reasons).toContain('gone=1');
    } finally {
      await informer.stop();
      viaProxy.close();
      await proxy.close();
    }
  });
});
