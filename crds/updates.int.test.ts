// What happens to objects after creation: immutable fields stay put, mutable ones change, unknown
// fields are pruned (or refused under strict field validation) and only the status subresource
// writes status.
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, test } from 'vitest';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { testKubeConfig } from '../testing/kube.ts';
import { API_VERSION, GROUP, VERSION } from './kinds.ts';
import {
  createObject,
  deleteObject,
  refusal,
  replaceObject,
  testSession,
  useProposalNamespace,
  type TypedObject,
} from './testing/api-server.ts';

const kc = testKubeConfig();
const suffix = randomBytes(3).toString('hex');
const namespace = useProposalNamespace(kc, 'api-upd');
const clusterObjects: TypedObject[] = [];

afterAll(async () => {
  for (const object of clusterObjects) await deleteObject(kc, object);
});

const session = (name: string, spec: Record<string, unknown> = {}) =>
  testSession(namespace.name, name, { lifetime: '4h', ...spec });

async function created(object: TypedObject): Promise<TypedObject> {
  const stored = await createObject(kc, object);
  if (!object.metadata.namespace) clusterObjects.push(stored);
  return stored;
}

function withSpec(object: TypedObject, changes: Record<string, unknown>): TypedObject {
  return { ...object, spec: { ...(object.spec as object), ...changes } };
}

describe('immutable fields', () => {
  test('changing the owner of a session is refused with a clear message', async () => {
    const stored = await created(session(`owner-${suffix}`));
    const message = await refusal(replaceObject(kc, withSpec(stored, { owner: 'mallory' })));
    expect(message).toContain('spec.owner');
    expect(message).toContain('owner is immutable: create a new session for another user');
  });

  test('changing the proposal of a session is refused', async () => {
    const stored = await created(session(`proposal-${suffix}`));
    const message = await refusal(replaceObject(kc, withSpec(stored, { proposal: 'MX-9999' })));
    expect(message).toContain('spec.proposal');
    expect(message).toContain('proposal is immutable');
  });

  test('changing the runtime of an image is refused', async () => {
    const stored = await created({
      apiVersion: API_VERSION,
      kind: 'SessionImage',
      metadata: { name: `runtime-${suffix}` },
      spec: {
        displayName: 'Runtime test',
        runtime: 'container',
        container: { image: 'quay.io/jupyter/scipy-notebook:2025-06-02' },
        access: { protocol: 'rdp', port: 3389 },
        lifecycle: { defaultLifetime: '8h', maxLifetime: '72h' },
      },
    });
    const vm = {
      os: 'linux',
      disk: { containerDisk: 'quay.io/containerdisks/ubuntu:24.04' },
      bootstrap: 'cloudInit',
    };
    const message = await refusal(
      replaceObject(kc, withSpec(stored, { runtime: 'vm', container: undefined, vm })),
    );
    expect(message).toContain('spec.runtime');
    expect(message).toContain('runtime is immutable');
  });

  test('changing the subject of a quota is refused', async () => {
    const stored = await created({
      apiVersion: API_VERSION,
      kind: 'Quota',
      metadata: { name: `subject-${suffix}` },
      spec: { subject: { kind: 'User', name: 'akowalska' }, limits: { sessions: 3 } },
    });
    const message = await refusal(
      replaceObject(kc, withSpec(stored, { subject: { kind: 'User', name: 'mallory' } })),
    );
    expect(message).toContain('spec.subject');
    expect(message).toContain('subject is immutable');
  });
});

describe('mutable fields', () => {
  test('extending the lifetime and stopping a session are accepted', async () => {
    const stored = await created(session(`extend-${suffix}`));
    const updated = await replaceObject(kc, withSpec(stored, { lifetime: '8h', state: 'Stopped' }));
    expect(updated.spec).toMatchObject({ lifetime: '8h', state: 'Stopped', owner: 'akowalska' });
  });
});

describe('unknown fields', () => {
  test('are pruned: the object is stored without them', async () => {
    const object = session(`prune-${suffix}`, {
      colour: 'blue',
      data: { mounts: [{ name: 'scans', subPath: 'raw', extra: 'x' }] },
    });
    const stored = await createObject(kc, object);
    expect(stored.spec).not.toHaveProperty('colour');
    expect((stored.spec as { data: { mounts: object[] } }).data.mounts[0]).toEqual({
      name: 'scans',
      subPath: 'raw',
    });
  });

  test('are refused, naming the field, under strict field validation (kubectl default)', async () => {
    const message = await refusal(
      createObject(kc, session(`strict-${suffix}`, { colour: 'blue' }), 'Strict'),
    );
    expect(message).toContain('unknown field "spec.colour"');
  });
});

describe('status', () => {
  test('is ignored on create and written only through the status subresource, with its own validation', async () => {
    const stored = await createObject(kc, { ...session(`status-${suffix}`), status: { phase: 'Running' } });
    expect(stored.status).toBeUndefined();

    const custom = kc.makeApiClient(CustomObjectsApi);
    const where = {
      group: GROUP,
      version: VERSION,
      namespace: namespace.name,
      plural: 'analysissessions',
      name: stored.metadata.name,
    };
    const status = {
      phase: 'Queued',
      reason: 'QuotaExceeded',
      message: 'akowalska already has 5 sessions (limit 5)',
    };
    const written = (await custom.replaceNamespacedCustomObjectStatus({
      ...where,
      body: { ...stored, status },
    })) as {
      status: unknown;
    };
    expect(written.status).toEqual(status);

    const bad = { ...written, status: { phase: 'Exploded' } };
    const message = await refusal(custom.replaceNamespacedCustomObjectStatus({ ...where, body: bad }));
    expect(message).toContain('status.phase');
    expect(message).toContain('Unsupported value: "Exploded"');
  });
});
