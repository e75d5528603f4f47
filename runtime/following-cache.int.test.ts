// A cache that follows the namespaces a source cache names (here: marker ConfigMaps, as the operator
// follows the RoleBindings that grant it Secrets), on the real API server.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestNamespace, eventually, testKubeConfig } from '../testing/kube.ts';
import { createLogger } from './logger.ts';
import { Manager } from './manager.ts';
import { ConfigMaps, Secrets, collectionPath, objectPath, type KubeObject } from './resources.ts';
import { RestClient } from './rest.ts';

const kc = testKubeConfig();
const client = new RestClient(kc);
const marker = `follow-test-${randomBytes(3).toString('hex')}`;
const manager = new Manager({ client, log: createLogger('silent') });
const namespaces: { name: string; remove: () => Promise<void> }[] = [];
const added: string[] = [];

const create = (type: typeof Secrets | typeof ConfigMaps, namespace: string, name: string, labels = {}) =>
  client.request<KubeObject>('POST', collectionPath(type, namespace), {
    body: { metadata: { name, labels } },
  });

beforeAll(async () => {
  for (const prefix of ['follow-a', 'follow-b']) {
    const ns = await createTestNamespace(kc, prefix);
    namespaces.push(ns);
    await create(Secrets, ns.name, 'credentials');
  }
});

afterAll(async () => {
  await manager.stop(1_000);
  for (const ns of namespaces) await ns.remove();
});

describe('FollowingNamespacesCache', () => {
  test('lists only followed namespaces, and follows them as the source gains and loses objects', async () => {
    const [a, b] = namespaces.map((ns) => ns.name) as [string, string];
    await create(ConfigMaps, a, 'access', { [marker]: 'true' });
    const source = manager.cache(ConfigMaps, { labelSelector: marker });
    const secrets = manager.cacheInNamespaces(
      Secrets,
      manager.namespaceAccess(source, { verb: 'list', resource: 'secrets' }),
    );
    secrets.addHandler({
      onAdd: (s) => added.push(`${s.metadata.namespace ?? ''}/${s.metadata.name ?? ''}`),
    });
    manager.startCaches();
    expect(await manager.waitForCacheSync()).toBe(true);

    expect(secrets.get(`${a}/credentials`)).toBeDefined();
    expect(secrets.hasSyncedNamespace(a)).toBe(true);
    // Not followed: absent, and the cache says it cannot know.
    expect(secrets.get(`${b}/credentials`)).toBeUndefined();
    expect(secrets.hasSyncedNamespace(b)).toBe(false);

    await create(ConfigMaps, b, 'access', { [marker]: 'true' });
    await eventually('the second namespace followed', () => secrets.get(`${b}/credentials`));
    expect(added).toEqual([`${a}/credentials`, `${b}/credentials`]);

    await client.request('DELETE', objectPath(ConfigMaps, a, 'access'));
    await eventually('the first namespace no longer followed', () =>
      secrets.hasSyncedNamespace(a) ? undefined : true,
    );
    expect(secrets.list().map((s) => s.metadata.namespace)).toEqual([b]);
  });
});
