// The informer against the real API server: paging, selectors, delete-and-recreate, the watchdog
// through a proxy that stalls the watch connection, and the bookmarks that keep an idle watch alive
// (no API server disruption, so the shared cluster).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestNamespace, eventually, testKubeConfig } from '../testing/kube.ts';
import { TcpProxy } from '../testing/tcp-proxy.ts';
import { Informer } from './informer.ts';
import { createLogger } from './logger.ts';
import { Manager } from './manager.ts';
import { newRegistry, runtimeMetrics } from './metrics.ts';
import {
  ConfigMaps,
  collectionPath,
  keyOf,
  objectPath,
  type ConfigMap,
  type KubeObject,
} from './resources.ts';
import { RestClient } from './rest.ts';
import { sleep } from './time.ts';

const log = createLogger('warn');
const kc = testKubeConfig();
const client = new RestClient(kc);
let ns: Awaited<ReturnType<typeof createTestNamespace>>;

const createCm = (name: string, labels: Record<string, string> = {}) =>
  client.request<KubeObject>('POST', collectionPath(ConfigMaps, ns.name), {
    body: { metadata: { name, labels }, data: { v: '1' } },
  });
const deleteCm = (name: string) => client.request('DELETE', objectPath(ConfigMaps, ns.name, name));

function record(informer: Informer) {
  const events: string[] = [];
  informer.addHandler({
    onAdd: (o) => events.push(`add ${o.metadata.name ?? ''} ${o.metadata.uid ?? ''}`),
    onUpdate: (_old, o) => events.push(`update ${o.metadata.name ?? ''}`),
    onDelete: (o, unknown) =>
      events.push(`delete ${o.metadata.name ?? ''} ${o.metadata.uid ?? ''}${unknown ? ' (missed)' : ''}`),
  });
  return events;
}

beforeAll(async () => {
  ns = await createTestNamespace(kc, 'informer');
});
afterAll(async () => {
  await ns.remove();
  client.close();
});

describe('Informer', () => {
  it('lists in pages, watches, honours label selectors and tells a re-created name apart by UID', async () => {
    for (let i = 0; i < 5; i++)
      await createCm(`page-${i}`, { 'app.kubernetes.io/managed-by': 'daas-operator' });
    await createCm('unlabelled');
    const requests: string[] = [];
    const counting = new RestClient(kc, { onRequest: (m, p) => requests.push(`${m} ${p}`) });
    const informer = new Informer(counting, ConfigMaps, log, {
      namespace: ns.name,
      labelSelector: 'app.kubernetes.io/managed-by=daas-operator',
      pageSize: 2,
    });
    informer.start();
    try {
      expect(await informer.waitForSync()).toBe(true);
      expect(
        informer
          .list()
          .map((o) => o.metadata.name)
          .sort(),
      ).toEqual(['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);
      // 5 objects at 2 per page: 3 list requests (and perhaps the watch already).
      const gets = requests.filter((r) => r.startsWith('GET') && r.endsWith('/configmaps')).length;
      expect(gets).toBeGreaterThanOrEqual(3);
      expect(gets).toBeLessThanOrEqual(4);
      const events = record(informer);
      expect(events.filter((e) => e.startsWith('add'))).toHaveLength(5);
      events.length = 0;

      const first = informer.get(`${ns.name}/page-0`);
      expect(first?.kind).toBe('ConfigMap');
      expect(typeof first?.metadata.creationTimestamp).toBe('string');
      // The API server sends managedFields; the cache keeps only what reconcilers read.
      expect(first?.metadata).not.toHaveProperty('managedFields');
      await deleteCm('page-0');
      const again = await createCm('page-0', { 'app.kubernetes.io/managed-by': 'daas-operator' });
      await createCm('still-unlabelled');
      await eventually('the re-created object in the cache', () =>
        Promise.resolve(
          informer.get(`${ns.name}/page-0`)?.metadata.uid === again.metadata.uid ? true : undefined,
        ),
      );
      expect(informer.get(`${ns.name}/page-0`)?.metadata).not.toHaveProperty('managedFields');
      expect(events).toEqual([
        `delete page-0 ${first?.metadata.uid ?? ''}`,
        `add page-0 ${again.metadata.uid ?? ''}`,
      ]);
      expect(informer.get(`${ns.name}/still-unlabelled`)).toBeUndefined();
    } finally {
      await informer.stop();
      counting.close();
    }
  });

  it('restarts a watch whose connection goes silent once it has sent nothing for the silence timeout', async () => {
    const server = new URL(kc.getCurrentCluster()?.server ?? '');
    const proxy = await TcpProxy.start(server.hostname, Number(server.port));
    const registry = newRegistry();
    const metrics = runtimeMetrics(registry);
    const viaProxy = new RestClient(proxy.kubeConfig(kc), { metrics });
    const informer = new Informer(viaProxy, ConfigMaps, log, {
      namespace: ns.name,
      fieldSelector: 'metadata.name=silent',
      // The watch's own timeout is far away: only the silence rule can end the frozen stream in time.
      watchTimeoutSeconds: [300, 300],
      silenceTimeoutMs: 3000,
      metrics,
    });
    informer.start();
    try {
      await informer.waitForSync();
      await sleep(500);
      expect(proxy.freezeOpenConnections()).toBeGreaterThan(0);
      const frozenAt = performance.now();
      await createCm('silent');
      await eventually(
        'the change made while the stream was silent',
        () => Promise.resolve(informer.get(`${ns.name}/silent`) ? true : undefined),
        20_000,
        50,
      );
      const recoveredMs = performance.now() - frozenAt;
      console.log(`silent stream: recovered ${(recoveredMs / 1000).toFixed(2)} s after the freeze`);
      // The last byte came at most 0.5 s before the freeze; the new watch relists nothing, it resumes.
      expect(recoveredMs).toBeLessThan(3000 + 1500);
      const restarts = (await metrics.informerWatchRestarts.get()).values;
      const count = (reason: string) => restarts.find((v) => v.labels.reason === reason)?.value ?? 0;
      // At least the frozen stream; the new one, quiet after its event, may be restarted once more.
      expect(count('silent')).toBeGreaterThanOrEqual(1);
      expect(count('watchdog')).toBe(0);
      const relists = (await metrics.informerRelists.get()).values.map((v) => v.labels.reason);
      expect(relists).toEqual(['initial']);
    } finally {
      await informer.stop();
      viaProxy.close();
      await proxy.close();
    }
  });

  // The default silence timeout (2 minutes) rests on this: the API server sends a BOOKMARK on an idle
  // watch about every 60 s, so an idle but healthy watch is never taken for a silent one.
  it(
    'keeps an idle watch open past a minute: the API server sends bookmarks',
    { timeout: 120_000 },
    async () => {
      const registry = newRegistry();
      const metrics = runtimeMetrics(registry);
      const informer = new Informer(client, ConfigMaps, log, {
        namespace: ns.name,
        fieldSelector: 'metadata.name=nothing-ever',
        watchTimeoutSeconds: [600, 600],
        silenceTimeoutMs: 75_000,
        metrics,
      });
      informer.start();
      try {
        await informer.waitForSync();
        await sleep(80_000);
        const restarts = (await metrics.informerWatchRestarts.get()).values;
        expect(restarts.map((v) => `${v.labels.reason ?? ''}=${String(v.value)}`)).toEqual([]);
      } finally {
        await informer.stop();
      }
    },
  );

  it('keeps named indexes of a cache over several namespaces in step with creates, updates and deletes', async () => {
    const other = await createTestNamespace(kc, 'informer-other');
    const manager = new Manager({ client, log, namespaces: [ns.name, other.name] });
    const selectors = { labelSelector: 'test.daas/indexed=true' };
    const byOwner = (cm: ConfigMap) => (cm.data?.owner ? [cm.data.owner] : []);
    const byColour = (cm: ConfigMap) => (cm.data?.colour ? [cm.data.colour] : []);
    // Two callers share one cache, each with its own index.
    const owners = manager.cache(ConfigMaps, selectors, { indexes: { byOwner } });
    const colours = manager.cache(ConfigMaps, selectors, { indexes: { byColour } });
    expect(colours).toBe(owners);
    const write = (method: string, namespace: string, name: string, data: Record<string, string>) =>
      client.request(
        method,
        method === 'POST' ? collectionPath(ConfigMaps, namespace) : objectPath(ConfigMaps, namespace, name),
        {
          body: { metadata: { name, namespace, labels: { 'test.daas/indexed': 'true' } }, data },
        },
      );
    const keys = (name: string, value: string) => owners.indexKeys(name, value).sort().join(' ');
    const until = (what: string, check: () => boolean) =>
      eventually(what, () => Promise.resolve(check() ? true : undefined));
    manager.startCaches();
    try {
      await manager.waitForCacheSync();
      await write('POST', ns.name, 'a', { owner: 'ada', colour: 'red' });
      await write('POST', other.name, 'b', { owner: 'ada', colour: 'blue' });
      await until('both in the owner index', () => keys('byOwner', 'ada') === `${ns.name}/a ${other.name}/b`);
      expect(owners.byIndex('byColour', 'blue').map(keyOf)).toEqual([`${other.name}/b`]);
      expect(owners.indexValues('byColour').sort()).toEqual(['blue', 'red']);
      expect(owners.list(other.name).map(keyOf)).toEqual([`${other.name}/b`]);

      await write('PUT', other.name, 'b', { owner: 'bob', colour: 'blue' });
      await until('b moved to bob', () => keys('byOwner', 'bob') === `${other.name}/b`);
      expect(keys('byOwner', 'ada')).toBe(`${ns.name}/a`);

      await client.request('DELETE', objectPath(ConfigMaps, ns.name, 'a'));
      await until('a gone from every index', () => owners.indexValues('byColour').join() === 'blue');
      expect(owners.byIndex('byOwner', 'ada')).toEqual([]);
    } finally {
      await manager.stop();
      await other.remove();
    }
  });
});
