// A proposal's data on the local control plane: its shared claims are made and bound when the
// namespace appears, its sessions share them (a second session binds nothing new), and the data
// volumes go once the proposal namespace is deleted.
import { randomBytes } from 'node:crypto';
import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATA_LABEL, GROUP, SESSION_NAMESPACE_LABEL, VERSION } from '../../crds/index.ts';
import { installCrds } from '../../crds/testing/api-server.ts';
import type { RunningOperator } from '../../runtime/app.ts';
import { createTestNamespace, eventually, testKubeConfig } from '../../testing/kube.ts';
import { sessionImageObject } from '../../testing/objects.ts';
import { startTestOperator } from '../../testing/operator.ts';
import { TestSessions } from '../../testing/sessions.ts';
import { proposalDataModule, sessionsModule } from '../controllers.ts';

const suffix = randomBytes(3).toString('hex');
const proposal = `MX-${String(1000 + Math.floor(Math.random() * 8000))}`;
const imageName = `t-data-${suffix}`;
let kc: KubeConfig;
let core: CoreV1Api;
let custom: CustomObjectsApi;
let ns: { name: string; remove: () => Promise<void> };
let operator: RunningOperator;
let sessions: TestSessions;

const running = (name: string) => sessions.until(name, 'Running', (s) => s.status?.phase === 'Running');

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
  sessions = new TestSessions(custom, ns.name, { owner: 'akowalska', proposal });
  await custom.createClusterCustomObject({
    group: GROUP,
    version: VERSION,
    plural: 'sessionimages',
    body: sessionImageObject(imageName),
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
  it('is ready when the proposal namespace appears: its shared claims are bound before any session', async () => {
    const bound = await eventually(
      'the whole proposal and the processed area, bound',
      async () => {
        const items = (
          await core.listNamespacedPersistentVolumeClaim({ namespace: ns.name, labelSelector: DATA_LABEL })
        ).items;
        return items.length === 2 && items.every((c) => c.status?.phase === 'Bound') ? items : undefined;
      },
      60_000,
      200,
    );
    expect(bound.map((c) => c.spec?.accessModes?.[0]).sort()).toEqual(['ReadOnlyMany', 'ReadWriteMany']);
    expect(await sessions.list()).toEqual([]);
  });

  it("keeps its claims' labels: changed or removed by hand, they are put back on the same claim", async () => {
    const [claim] = (
      await core.listNamespacedPersistentVolumeClaim({ namespace: ns.name, labelSelector: DATA_LABEL })
    ).items;
    const name = claim?.metadata?.name ?? '';
    const labels = claim?.metadata?.labels ?? {};
    const patch = (body: object) =>
      core.patchNamespacedPersistentVolumeClaim(
        { name, namespace: ns.name, body },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    const restored = (what: string) =>
      eventually(
        what,
        async () => {
          const now = await core.readNamespacedPersistentVolumeClaim({ name, namespace: ns.name });
          return now.metadata?.uid === claim?.metadata?.uid &&
            JSON.stringify(now.metadata?.labels) === JSON.stringify(labels)
            ? true
            : undefined;
        },
        5000,
        100,
      );
    await patch({ metadata: { labels: Object.fromEntries(Object.keys(labels).map((k) => [k, 'edited'])) } });
    await restored('labels changed by hand, restored');
    // Without its data label the claim leaves the operator's cache: the volume bound to it names it.
    await patch({ metadata: { labels: { [DATA_LABEL]: null } } });
    await restored('data label removed by hand, restored');
  });

  it('is shared by its sessions, and its volumes go with the proposal namespace', async () => {
    const create = (name: string) =>
      sessions.create(name, { image: imageName, data: { wholeProposal: true } });
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
    await sessions.delete('first');
    await eventually('first gone', async () => ((await sessions.list()).length === 1 ? true : undefined));
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
