// A proposal's data on the local control plane: its sessions share the namespace's data claims (a
// second session binds nothing new), and the data volumes go once the proposal namespace is deleted.
import { randomBytes } from 'node:crypto';
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DATA_LABEL,
  GROUP,
  SESSION_NAMESPACE_LABEL,
  VERSION,
  type AnalysisSession,
} from '../../crds/index.ts';
import { installCrds } from '../../crds/testing/api-server.ts';
import type { RunningOperator } from '../../runtime/app.ts';
import { createTestNamespace, eventually, testKubeConfig } from '../../testing/kube.ts';
import { startTestOperator } from '../../testing/operator.ts';
import { proposalDataModule, sessionsModule } from '../controllers.ts';

const suffix = randomBytes(3).toString('hex');
const proposal = `MX-${String(1000 + Math.floor(Math.random() * 8000))}`;
const imageName = `t-data-${suffix}`;
let kc: KubeConfig;
let core: CoreV1Api;
let custom: CustomObjectsApi;
let ns: { name: string; remove: () => Promise<void> };
let operator: RunningOperator;
const where = () => ({ group: GROUP, version: VERSION, namespace: ns.name, plural: 'analysissessions' });

const running = (name: string) =>
  eventually(`${name} Running`, async () => {
    const s = (await custom.getNamespacedCustomObject({ ...where(), name })) as AnalysisSession;
    return s.status?.phase === 'Running' ? s : undefined;
  });

const volumesOf = async (namespace: string) =>
  (
    await core.listPersistentVolume({
      labelSelector: `${DATA_LABEL},${SESSION_NAMESPACE_LABEL}=${namespace}`,
    })
  ).items;

beforeAll(async () => {
  kc = testKubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  custom = kc.makeApiClient(CustomObjectsApi);
  await installCrds();
  ns = await createTestNamespace(kc, 'data', { 'daas.calipsoplus.eu/proposal': proposal });
  await custom.createClusterCustomObject({
    group: GROUP,
    version: VERSION,
    plural: 'sessionimages',
    body: {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'SessionImage',
      metadata: { name: imageName },
      spec: {
        displayName: imageName,
        runtime: 'container',
        container: { image: 'quay.io/jupyter/scipy-notebook:2025-06-02' },
        access: { protocol: 'http', port: 8888 },
        resources: { default: { cpu: 1, memory: '2Gi' }, max: { cpu: 2, memory: '4Gi' } },
        lifecycle: { defaultLifetime: '1h', maxLifetime: '2h' },
        availability: { everyone: true },
      },
    },
  });
  operator = await startTestOperator([ns.name], [], [sessionsModule, proposalDataModule]);
}, 120_000);

afterAll(async () => {
  await operator.shutdown('test done');
  await custom
    .deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: 'sessionimages', name: imageName })
    .catch(() => undefined);
  await ns.remove();
});

describe("a proposal's data", () => {
  it('is shared by its sessions, and its volumes go with the proposal namespace', async () => {
    const create = (name: string) =>
      custom.createNamespacedCustomObject({
        ...where(),
        body: {
          apiVersion: `${GROUP}/${VERSION}`,
          kind: 'AnalysisSession',
          metadata: { name },
          spec: { image: imageName, owner: 'akowalska', proposal, data: { wholeProposal: true } },
        },
      });
    await create('first');
    await running('first');
    const claims = async () =>
      (await core.listNamespacedPersistentVolumeClaim({ namespace: ns.name, labelSelector: DATA_LABEL }))
        .items;
    const before = (await claims()).map((c) => c.metadata?.name).sort();
    // The whole proposal (read-only) and the processed area (read-write): one claim each, bound, no owner.
    expect(before).toHaveLength(2);
    for (const c of await claims()) {
      expect(c.status?.phase).toBe('Bound');
      expect(c.metadata?.ownerReferences ?? []).toEqual([]);
    }

    await create('second');
    await running('second');
    expect((await claims()).map((c) => c.metadata?.name).sort()).toEqual(before);
    expect(await volumesOf(ns.name)).toHaveLength(2);

    // Deleting a session leaves the proposal's data claims for the others.
    await custom.deleteNamespacedCustomObject({ ...where(), name: 'first' });
    await eventually('first gone', async () =>
      ((await custom.listNamespacedCustomObject(where())) as { items: unknown[] }).items.length === 1
        ? true
        : undefined,
    );
    expect((await claims()).map((c) => c.metadata?.name).sort()).toEqual(before);

    // The namespace goes: its claims with it, and then the volumes (the NFS data itself is untouched).
    await ns.remove();
    await eventually(
      'the data volumes deleted after the namespace',
      async () => ((await volumesOf(ns.name)).length === 0 ? true : undefined),
      90_000,
      500,
    );
  });
});
