// The workload seam, proven from outside the reconciler: a runtime that only this test registers
// drives a session to Running. It stands in for virtual machines (runtime "vm") with a ConfigMap as
// its "workload" and reports Running once the ConfigMap exists; nothing in operator/sessions knows it.
import { randomBytes } from 'node:crypto';
import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { GROUP, VERSION } from '../../../crds/index.ts';
import { installCrds } from '../../../crds/testing/api-server.ts';
import { ConfigMaps, type KubeObject } from '../../../runtime/resources.ts';
import type { RunningOperator } from '../../../runtime/app.ts';
import { createTestNamespace, testKubeConfig } from '../../../testing/kube.ts';
import { sessionsModule, type ControllerModule } from '../../controllers.ts';
import { startOperator } from '../../start.ts';
import { sessionImageObject } from '../../../testing/objects.ts';
import { TestSessions } from '../../../testing/sessions.ts';
import { sessionControllerConfig } from '../config.ts';
import { registerSessionController } from '../controller.ts';
import { childName, sessionLabels } from '../names.ts';
import { containerRuntime } from './container/runtime.ts';
import { workloadRuntimes } from './registry.ts';
import type { WorkloadRuntime } from './types.ts';

/** Test-only: a "vm" whose workload is a ConfigMap; Running (at a loopback address) once it exists. */
const configMapRuntime: WorkloadRuntime = {
  runtime: 'vm',
  children: [{ type: ConfigMaps, needsData: true }],
  desired: ({ session, namespace, machineName, data }) => ({
    ok: true,
    value: [
      {
        type: ConfigMaps,
        object: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: {
            name: childName(session.metadata.name),
            namespace: namespace.name,
            labels: sessionLabels(session),
          },
          data: { machine: machineName, mounts: data.mounts.map((m) => m.mountPath).join(',') },
        },
      },
    ],
  }),
  diagnose: (observed) =>
    observed(ConfigMaps)
      ? { state: 'Running', ready: true, address: '127.0.0.1', nodeName: 'test-node', message: 'up' }
      : { state: 'Absent' },
  cleanup: (observed) => {
    const object = observed(ConfigMaps);
    return object ? [{ type: ConfigMaps, object }] : [];
  },
};

const testSessions: ControllerModule<typeof sessionsModule.config> = {
  ...sessionsModule,
  register(ctx, config, options) {
    const seams = { runtimes: workloadRuntimes(containerRuntime, configMapRuntime) };
    registerSessionController(ctx, sessionControllerConfig(config), { ...options, seams });
  },
};

const suffix = randomBytes(3).toString('hex');
const proposal = `MX-${String(1000 + Math.floor(Math.random() * 8000))}`;
const imageName = `t-vm-${suffix}`;
let kc: KubeConfig;
let core: CoreV1Api;
let custom: CustomObjectsApi;
let ns: { name: string; remove: () => Promise<void> };
let operator: RunningOperator;

let sessions: TestSessions;

beforeAll(async () => {
  kc = testKubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  custom = kc.makeApiClient(CustomObjectsApi);
  await installCrds();
  ns = await createTestNamespace(kc, 'seam', { 'daas.calipsoplus.eu/proposal': proposal });
  await core.patchNamespace(
    { name: ns.name, body: { metadata: { annotations: { 'daas.calipsoplus.eu/beamline': 'id16a' } } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  sessions = new TestSessions(custom, ns.name, { owner: 'akowalska', proposal });
  const vm = {
    os: 'linux',
    disk: { containerDisk: 'quay.io/containerdisks/ubuntu:24.04' },
    bootstrap: 'cloudInit',
  };
  await custom.createClusterCustomObject({
    group: GROUP,
    version: VERSION,
    plural: 'sessionimages',
    body: sessionImageObject(imageName, {
      displayName: 'A test-only runtime',
      runtime: 'vm',
      container: undefined,
      vm,
      access: { protocol: 'rdp', port: 3389 },
      resources: { default: { cpu: 2, memory: '4Gi' }, max: { cpu: 4, memory: '8Gi' } },
    }),
  });
  operator = await startOperator({
    argv: [
      `--kubeconfig=${inject('kubeconfig')}`,
      `--namespaces=${ns.name}`,
      '--leader-elect=false',
      '--metrics-bind-address=0',
      '--health-probe-bind-address=0',
    ],
    env: {},
    log: pino({ level: process.env.DAAS_TEST_LOG_LEVEL ?? 'warn' }),
    handleSignals: false,
    controllers: [testSessions],
  });
  await operator.manager.waitForCacheSync();
}, 120_000);

afterAll(async () => {
  await operator.shutdown('test done');
  await custom
    .deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: 'sessionimages', name: imageName })
    .catch(() => undefined);
  await ns.remove();
});

describe('the workload seam', () => {
  it('drives a session to Running through a runtime registered from outside the reconciler', async () => {
    await sessions.create('seam', { image: imageName });
    const s = await sessions.until('seam', 'Running', (x) => x.status?.phase === 'Running');
    expect(s.status?.conditions?.filter((c) => c.status !== 'True' && c.type !== 'ExpiringSoon')).toEqual([]);
    expect(s.status?.endpoint).toMatchObject({ protocol: 'rdp', host: '127.0.0.1', port: 3389 });
    expect(s.status?.nodeName).toBe('test-node');
    // The runtime's object exists, owned by the session, built from the same plan (data mounts).
    const cm = (await core.readNamespacedConfigMap({
      name: 'daas-seam',
      namespace: ns.name,
    })) as unknown as KubeObject & {
      data: Record<string, string>;
    };
    expect(cm.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'AnalysisSession',
      name: 'seam',
      controller: true,
    });
    expect(cm.data.machine).toBe(s.status?.machineName);
    expect(cm.data.mounts).toContain('/data/processed');

    // Stopping goes through the runtime's cleanup: its object goes, the credentials stay.
    await sessions.patchSpec('seam', { state: 'Stopped' });
    await sessions.until('seam', 'Stopped', (x) => x.status?.phase === 'Stopped');
    await expect(core.readNamespacedConfigMap({ name: 'daas-seam', namespace: ns.name })).rejects.toThrow();
    await core.readNamespacedSecret({ name: 'daas-seam', namespace: ns.name });
  });
});
