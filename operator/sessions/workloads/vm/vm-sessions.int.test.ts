// Virtual machine sessions on the local control plane, with KubeVirt's real CRDs and the SIMULATED
// virt-controller (tools/controlplane/kubevirt-sim: no hypervisor runs here). The operator writes
// real VirtualMachines, the API server checks them with KubeVirt's schema, the simulation turns them
// into instances and launcher pods that the real scheduler places and kwok runs.
import { CoreV1Api, CustomObjectsApi, NetworkingV1Api } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installCrds } from '../../../../crds/testing/api-server.ts';
import type { RunningOperator } from '../../../../runtime/app.ts';
import { loadClusterAccess } from '../../../../runtime/kubeconfig.ts';
import { RestClient } from '../../../../runtime/rest.ts';
import { createTestNamespace, eventually, testKubeConfig } from '../../../../testing/kube.ts';
import { startTestOperator } from '../../../../testing/operator.ts';
import { TestSessions } from '../../../../testing/sessions.ts';
import { TestVmImages } from '../../../../testing/vm-images.ts';
import {
  startKubevirtSimulation,
  type KubevirtSimulation,
} from '../../../../tools/controlplane/kubevirt-sim/controller.ts';
import { inject } from 'vitest';
import type { VirtualMachine } from './kinds.ts';

const kc = testKubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const custom = kc.makeApiClient(CustomObjectsApi);
const proposal = `VM-${String(1000 + Math.floor(Math.random() * 8000))}`;
const suffix = proposal.slice(3);
let ns: { name: string; remove: () => Promise<void> };
let operator: RunningOperator;
let simulation: KubevirtSimulation;
let simClient: RestClient;
let sessions: TestSessions;
let images: TestVmImages;

const vmImage = (name: string, vm: Record<string, unknown>) => images.create(name, vm);

const readVm = async (session: string) =>
  (await custom.getNamespacedCustomObject({
    group: 'kubevirt.io',
    version: 'v1',
    namespace: ns.name,
    plural: 'virtualmachines',
    name: `daas-${session}`,
  })) as VirtualMachine;

const bootSecret = (session: string) =>
  core.readNamespacedSecret({ name: `daas-${session}-boot`, namespace: ns.name }).catch(() => undefined);

let ubuntu: string;
let golden: string;
beforeAll(async () => {
  await installCrds();
  ns = await createTestNamespace(
    kc,
    'vms',
    { 'daas.calipsoplus.eu/proposal': proposal },
    { 'daas.calipsoplus.eu/beamline': 'id16a' },
  );
  sessions = new TestSessions(custom, ns.name, { owner: 'akowalska', proposal });
  images = new TestVmImages(custom, suffix);
  ubuntu = await vmImage('ubuntu', { disk: { containerDisk: 'quay.io/containerdisks/ubuntu:24.04' } });
  golden = await vmImage('golden', { disk: { persistentVolumeClaim: 'ubuntu-golden', persistent: true } });
  simClient = new RestClient(loadClusterAccess(inject('kubeconfig')));
  simulation = await startKubevirtSimulation({
    client: simClient,
    log: pino({ level: process.env.DAAS_TEST_LOG_LEVEL ?? 'warn' }),
    namespaces: [ns.name],
  });
  operator = await startTestOperator(
    [ns.name],
    ['--virtual-machines', '--vm-boot-timeout=4s', '--image-pull-grace=2s'],
  );
}, 120_000);

afterAll(async () => {
  await operator.shutdown('test done');
  await simulation.stop();
  simClient.close();
  await images.deleteAll();
  await ns.remove();
});

describe('VM sessions (KubeVirt CRDs, simulated virt-controller)', () => {
  it('run a VirtualMachine owned by the session, reachable at its 127.x address over RDP', async () => {
    await sessions.create('ubuntu', { image: ubuntu });
    const s = await sessions.until('ubuntu', 'Running', (x) => x.status?.phase === 'Running');
    expect(s.status?.endpoint).toMatchObject({
      protocol: 'rdp',
      port: 3389,
      credentialsSecretName: 'daas-ubuntu',
    });
    expect(s.status?.endpoint?.host).toMatch(/^127\./);
    expect(s.status?.nodeName).toMatch(/^kwok-/);
    const vm = await readVm('ubuntu');
    expect(vm.spec?.runStrategy).toBe('Always');
    expect(vm.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'AnalysisSession',
      name: 'ubuntu',
      controller: true,
    });
    expect(vm.status?.printableStatus).toBe('Running');
    // The password is in the bootstrap Secret, never in the VirtualMachine.
    const secret = await core.readNamespacedSecret({ name: 'daas-ubuntu', namespace: ns.name });
    const token = Buffer.from(secret.data?.['token'] ?? '', 'base64').toString();
    expect(JSON.stringify(vm)).not.toContain(token);
    const boot = await core.readNamespacedSecret({ name: 'daas-ubuntu-boot', namespace: ns.name });
    const userData = Buffer.from(boot.data?.['userdata'] ?? '', 'base64').toString();
    expect(userData).toContain(token);
    expect(userData).toContain('/data/processed');
    // The image's NetworkPolicy selects the VM's launcher pod: only the gateway reaches the guest.
    const policy = await kc
      .makeApiClient(NetworkingV1Api)
      .readNamespacedNetworkPolicy({ name: `daas-image-${ubuntu}`, namespace: ns.name });
    const launcher = await core.readNamespacedPod({ name: 'virt-launcher-daas-ubuntu', namespace: ns.name });
    expect(launcher.metadata?.labels).toMatchObject(
      policy.spec?.podSelector?.matchLabels ?? { missing: 'policy' },
    );
    expect(policy.spec?.ingress?.[0]?.ports).toEqual([{ protocol: 'TCP', port: 3389 }]);
  });

  it('halt a persistent VM on stop and run the same VM (and disk) again on resume', async () => {
    await sessions.create('keeper', { image: golden });
    await sessions.until('keeper', 'Running', (x) => x.status?.phase === 'Running');
    const before = await readVm('keeper');
    await sessions.patchSpec('keeper', { state: 'Stopped' });
    await sessions.until('keeper', 'Stopped', (x) => x.status?.phase === 'Stopped');
    const halted = await readVm('keeper');
    expect(halted.spec?.runStrategy).toBe('Halted');
    // The bootstrap Secret (the password in clear) does not outlive its use; the credentials stay.
    await eventually('the bootstrap Secret to go', async () =>
      (await bootSecret('keeper')) ? undefined : true,
    );
    expect(await core.readNamespacedSecret({ name: 'daas-keeper', namespace: ns.name })).toBeDefined();
    expect(halted.metadata.uid).toBe(before.metadata.uid);
    expect(halted.spec?.['dataVolumeTemplates']).toEqual(before.spec?.['dataVolumeTemplates']);
    await eventually('the instance to go', async () =>
      (await readVm('keeper')).status?.printableStatus === 'Stopped' ? true : undefined,
    );
    await sessions.patchSpec('keeper', { state: 'Running' });
    await sessions.until('keeper', 'Running again', (x) => x.status?.phase === 'Running');
    const resumed = await readVm('keeper');
    expect(resumed.spec?.runStrategy).toBe('Always');
    expect(await bootSecret('keeper')).toBeDefined();
    expect(resumed.metadata.uid).toBe(before.metadata.uid);
  });

  it('delete an ephemeral VM on stop', async () => {
    await sessions.create('brief', { image: ubuntu });
    await sessions.until('brief', 'Running', (x) => x.status?.phase === 'Running');
    await sessions.patchSpec('brief', { state: 'Stopped' });
    await sessions.until('brief', 'Stopped', (x) => x.status?.phase === 'Stopped');
    await expect(readVm('brief')).rejects.toThrow();
  });

  it('queue a VM no node has the memory for, naming the memory', async () => {
    await sessions.create('huge', { image: ubuntu, resources: { memory: '600Gi' } });
    const s = await sessions.until('huge', 'Queued', (x) => x.status?.phase === 'Queued');
    expect(s.status?.message).toContain('No node has 600 GiB of free memory for this virtual machine.');
  });

  it('fail a VM whose disk cannot be imported, in plain words', async () => {
    const image = await vmImage('import-fails', {
      disk: { containerDisk: 'registry.invalid/daas/disk-import-fails:1', persistent: true },
    });
    await sessions.create('no-disk', { image });
    const s = await sessions.until('no-disk', 'Failed', (x) => x.status?.phase === 'Failed');
    expect(s.status?.reason).toBe('DiskImportFailed');
    expect(s.status?.message).toContain("The virtual machine's boot disk could not be imported or cloned.");
    expect(s.status?.message).toContain('404');
  });

  it('fail a VM that keeps crashing', async () => {
    const image = await vmImage('crashing', {
      disk: { containerDisk: 'registry.invalid/daas/crashing-vm:1' },
    });
    await sessions.create('crashy', { image });
    const s = await sessions.until('crashy', 'Failed', (x) => x.status?.phase === 'Failed');
    expect(s.status?.reason).toBe('CrashLoop');
    expect(s.status?.message).toContain('The virtual machine keeps stopping right after it starts');
    await eventually('the crashing VM to be removed', async () =>
      (await readVm('crashy').catch(() => undefined)) ? undefined : true,
    );
  });

  it('fail a VM whose guest never boots, after the boot timeout', async () => {
    const image = await vmImage('never-boots', {
      disk: { containerDisk: 'registry.invalid/daas/never-boots:1' },
    });
    await sessions.create('stuck', { image });
    const s = await sessions.until('stuck', 'Failed', (x) => x.status?.phase === 'Failed', 30_000);
    expect(s.status?.reason).toBe('GuestNotBooting');
    expect(s.status?.message).toMatch(/its guest did not become ready within 4 seconds/);
  });

  it('delete the VM with its session', async () => {
    await sessions.delete('ubuntu');
    await eventually(
      'the VM to go with its session',
      async () => ((await readVm('ubuntu').catch(() => undefined)) ? undefined : true),
      60_000,
    );
  });
});
