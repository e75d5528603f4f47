// Reaching VM sessions and their lifecycle, end to end on the local control plane, with KubeVirt's
// real CRDs and the SIMULATED virt-controller (no hypervisor runs here). A vnc VM: the local session
// runner plays its guest (a real Xtigervnc at the instance's 127.x address, with the password read
// from the guest's cloud-init), and a client opens it through the real gateway with a ticket; with
// nobody typing it is halted by the idle culler (connections signal), and resumes with its disk. An
// rdp VM: registered in the Guacamole contract FAKE at the instance's address, as the guest user, with
// the session's token. Expiry: the warning Event, an extension without a restart, then the VM gone.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { installCrds } from '../../../../crds/testing/api-server.ts';
import type { RunningOperator } from '../../../../runtime/app.ts';
import { loadClusterAccess } from '../../../../runtime/kubeconfig.ts';
import { Manager } from '../../../../runtime/manager.ts';
import { RestClient } from '../../../../runtime/rest.ts';
import { sleep } from '../../../../runtime/time.ts';
import {
  activityReaders,
  redeem,
  startTestGateway,
  untilGatewayServes,
  writeOperatorToken,
  type TestGateway,
} from '../../../../testing/gateway.ts';
import { startGuacamoleFake, type GuacamoleFake } from '../../../../testing/guacamole-fake.ts';
import { createTestNamespace, eventually, testKubeConfig } from '../../../../testing/kube.ts';
import { startTestOperator } from '../../../../testing/operator.ts';
import { RfbClient } from '../../../../testing/rfb-client.ts';
import { TestSessions } from '../../../../testing/sessions.ts';
import { TestVmImages } from '../../../../testing/vm-images.ts';
import {
  startKubevirtSimulation,
  type KubevirtSimulation,
} from '../../../../tools/controlplane/kubevirt-sim/controller.ts';
import { DESKTOP_COLOUR } from '../../../../tools/controlplane/session-runner/commands.ts';
import { SessionRunner } from '../../../../tools/controlplane/session-runner/runner.ts';
import type { VirtualMachine, VirtualMachineInstance } from './kinds.ts';

const proposal = `VM-${String(1000 + Math.floor(Math.random() * 8000))}`;
const suffix = randomBytes(3).toString('hex');
const owner = 'akowalska';
let kc: KubeConfig;
let core: CoreV1Api;
let custom: CustomObjectsApi;
let ns: { name: string; remove: () => Promise<void> };
let dir: string;
let client: RestClient;
let simulation: KubevirtSimulation;
let runnerManager: Manager;
let runner: SessionRunner;
let gateway: TestGateway;
let fake: GuacamoleFake;
let operator: RunningOperator;
let sessions: TestSessions;
let images: TestVmImages;

const kubevirt = (plural: string, name: string) =>
  custom.getNamespacedCustomObject({ group: 'kubevirt.io', version: 'v1', namespace: ns.name, plural, name });
const readVm = async (session: string) =>
  (await kubevirt('virtualmachines', `daas-${session}`)) as VirtualMachine;
const readVmi = (session: string) =>
  kubevirt('virtualmachineinstances', `daas-${session}`).then(
    (o) => o as VirtualMachineInstance,
    () => undefined,
  );
const secretOf = (name: string) =>
  core.readNamespacedSecret({ name, namespace: ns.name }).then(
    (s) => s,
    () => undefined,
  );
const decoded = (value: string | undefined) => Buffer.from(value ?? '', 'base64').toString();

async function eventsOf(session: string): Promise<string[]> {
  const list = await core.listNamespacedEvent({ namespace: ns.name });
  return list.items
    .filter((e) => e.involvedObject.name === session)
    .map((e) => `${e.reason ?? ''}: ${e.message ?? ''}`);
}

let desktopImage: string;
let rdpImage: string;
let briefImage: string;
beforeAll(async () => {
  kc = testKubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  custom = kc.makeApiClient(CustomObjectsApi);
  await installCrds();
  dir = await mkdtemp(join(tmpdir(), 'daas-vm-access-'));
  ns = await createTestNamespace(
    kc,
    'vm-access',
    { 'daas.calipsoplus.eu/proposal': proposal },
    { 'daas.calipsoplus.eu/beamline': 'id16a' },
  );
  images = new TestVmImages(custom, suffix);
  // A persistent disk: the idle culler halts the VM, and the resume runs the same one.
  desktopImage = await images.create(
    'vm-desktop',
    { disk: { persistentVolumeClaim: 'ubuntu-golden', persistent: true } },
    {
      access: { protocol: 'vnc', port: 5901 },
      activity: { signal: 'connections', probeInterval: '1s' },
      lifecycle: { defaultLifetime: '1h', maxLifetime: '2h', idleTimeout: '10s' },
    },
  );
  const ubuntu = { disk: { containerDisk: 'quay.io/containerdisks/ubuntu:24.04' } };
  rdpImage = await images.create('vm-rdp', ubuntu);
  briefImage = await images.create('vm-brief', ubuntu, {
    access: { protocol: 'ssh', port: 22 },
    lifecycle: { defaultLifetime: '10s', maxLifetime: '3h', expiryWarning: '8s' },
  });

  fake = await startGuacamoleFake();
  fake.addUser(owner, randomBytes(8).toString('hex'));
  await core.createNamespacedSecret({
    namespace: ns.name,
    body: {
      metadata: { name: 'guacamole-admin' },
      stringData: { username: fake.adminUsername, password: fake.adminPassword },
    },
  });
  const log = pino({ level: process.env.DAAS_TEST_LOG_LEVEL ?? 'warn' });
  client = new RestClient(loadClusterAccess(inject('kubeconfig')));
  simulation = await startKubevirtSimulation({ client, log, namespaces: [ns.name] });
  runnerManager = new Manager({ client, log, namespaces: [ns.name] });
  runner = new SessionRunner(runnerManager, {
    jupyterBin: '',
    workDir: join(dir, 'sessions'),
    logDir: join(dir, 'logs'),
    log,
  });
  runnerManager.startCaches();
  gateway = await startTestGateway(kc, [ns.name], [activityReaders(ns.name)]);
  const tokenFile = join(dir, 'token');
  await writeOperatorToken(kc, ns.name, tokenFile);
  operator = await startTestOperator(
    [ns.name],
    [
      '--virtual-machines',
      `--gateway-url=${gateway.origin}/`,
      `--gateway-token-file=${tokenFile}`,
      `--guacamole-url=${fake.url}`,
      `--guacamole-credentials-secret=${ns.name}/guacamole-admin`,
      '--guacamole-recheck-interval=2s',
    ],
  );
  sessions = new TestSessions(custom, ns.name, { owner, proposal });
  // Its clock (10 s, warned 8 s before) runs while the other tests do.
  await sessions.create('brief', { image: briefImage });
}, 120_000);

afterAll(async () => {
  // Optional chaining: a failed beforeAll leaves some of them unset.
  await (operator as RunningOperator | undefined)?.shutdown('test done');
  await (gateway as TestGateway | undefined)?.stop();
  await (runner as SessionRunner | undefined)?.stop();
  await (runnerManager as Manager | undefined)?.stop();
  await (simulation as KubevirtSimulation | undefined)?.stop();
  (client as RestClient | undefined)?.close();
  await (fake as GuacamoleFake | undefined)?.stop();
  await (images as TestVmImages | undefined)?.deleteAll();
  await ns.remove();
  await rm(dir, { recursive: true, force: true });
});

describe('VM sessions reached in the browser (simulated virt-controller, real peers)', () => {
  it('opens a vnc VM through the gateway, halts it when nobody types, and resumes it with its disk', async () => {
    await sessions.create('desk', { image: desktopImage });
    const s = await sessions.until('desk', 'Running', (x) => x.status?.phase === 'Running');
    const vmi = await readVmi('desk');
    const address = vmi?.status?.interfaces?.[0]?.ipAddress;
    expect(address).toMatch(/^127\./);
    expect(s.status?.endpoint).toMatchObject({
      protocol: 'vnc',
      host: address,
      port: 5901,
      url: `${gateway.origin}/sessions/${ns.name}/desk/`,
    });
    await untilGatewayServes(gateway, owner, ns.name, 'desk');
    const cookie = (await redeem(gateway.ticketUrl(owner, ns.name, 'desk'))).cookie ?? '';
    const url = `${gateway.origin.replace(/^http/, 'ws')}/sessions/${ns.name}/desk/websockify`;
    // The runner's Xtigervnc may still be starting: the handshake (VNC authentication by the gateway
    // with the password from the session's Secret) succeeds once the guest's desktop listens.
    const { client: rfb, init } = await eventually(
      'the guest desktop through the gateway',
      async () => {
        const c = await RfbClient.open(url, { cookie, origin: gateway.origin });
        try {
          return { client: c, init: await c.handshake() };
        } catch {
          c.close();
          return undefined;
        }
      },
      30_000,
    );
    expect(init.name).toBe(s.status?.machineName);
    expect(await rfb.pixel(5, 5)).toBe(DESKTOP_COLOUR);
    const before = await readVm('desk');

    // Connected, nobody types: halted about one idle timeout later, its disk kept.
    const idle = await sessions.until(
      'desk',
      'stopped as idle',
      (x) => x.status?.phase === 'Stopped',
      30_000,
    );
    rfb.close();
    expect(idle.status?.reason).toBe('IdleTimeout');
    const halted = await readVm('desk');
    expect(halted.spec?.runStrategy).toBe('Halted');
    expect(halted.metadata.uid).toBe(before.metadata.uid);
    await eventually('the bootstrap Secret to go', async () =>
      (await secretOf('daas-desk-boot')) ? undefined : true,
    );
    await eventually('the guest desktop to stop', () => (runner.keys.length === 0 ? true : undefined));

    await sessions.patchSpec('desk', { state: 'Running' });
    await sessions.until('desk', 'Running again', (x) => x.status?.phase === 'Running');
    expect((await readVm('desk')).metadata.uid).toBe(before.metadata.uid);
    expect(await secretOf('daas-desk-boot')).toBeDefined();
    // The resume counts as use: the gateway's last input (before the stop) does not stop it again.
    await sleep(3000);
    expect((await sessions.get('desk')).status?.phase).toBe('Running');
    await sessions.patchSpec('desk', { state: 'Stopped' });
  });

  it('registers an rdp VM in Guacamole (contract fake) at its address, as the guest user, with its token', async () => {
    await sessions.create('win', { image: rdpImage });
    const s = await sessions.until('win', 'Running', (x) => x.status?.phase === 'Running');
    const address = (await readVmi('win'))?.status?.interfaces?.[0]?.ipAddress;
    const connection = fake.listConnections().find((c) => c.name === 'win');
    expect(connection?.protocol).toBe('rdp');
    const token = decoded((await secretOf('daas-win'))?.data?.token);
    expect(connection?.parameters).toMatchObject({
      hostname: address,
      port: '3389',
      username: owner,
      password: token,
    });
    // The guest got the same account and password at boot.
    const userData = decoded((await secretOf('daas-win-boot'))?.data?.userdata);
    expect(userData).toContain(`name: ${owner}`);
    expect(userData).toContain(token);
    expect(s.status?.endpoint?.url).toContain(`${fake.url}#/client/`);
    expect(JSON.stringify(s.status)).not.toContain(token);
    await sessions.patchSpec('win', { state: 'Stopped' });
    await eventually('the connection to be removed', () =>
      fake.listConnections().some((c) => c.name === 'win') ? undefined : true,
    );
  });

  it('warns before expiry, removes the VM at expiry, and extends without a restart', async () => {
    // Created in beforeAll with a 10 s lifetime, warned 8 s before: over by now.
    const expired = await sessions.until('brief', 'Expired', (x) => x.status?.phase === 'Expired');
    expect(expired.status?.endpoint).toBeUndefined();
    expect(await eventsOf('brief')).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ExpiringSoon: /),
        expect.stringMatching(/^PhaseExpired: /),
      ]),
    );
    await eventually('the VM and its bootstrap Secret to go', async () =>
      (await readVm('brief').catch(() => undefined)) || (await secretOf('daas-brief-boot'))
        ? undefined
        : true,
    );

    // A longer lifetime brings it back (a new VM: the ephemeral disk was gone with the old one).
    await sessions.patchSpec('brief', { lifetime: '1h' });
    const back = await sessions.until('brief', 'Running again', (x) => x.status?.phase === 'Running');
    const vmi = await readVmi('brief');
    // Extended while it runs: a new expiry, the same instance (no restart).
    await sessions.patchSpec('brief', { lifetime: '2h' });
    const extended = await sessions.until(
      'brief',
      'extended',
      (x) => Date.parse(x.status?.expiresAt ?? '') === Date.parse(back.status?.expiresAt ?? '') + 3_600_000,
    );
    expect(extended.status?.phase).toBe('Running');
    expect((await readVmi('brief'))?.metadata.uid).toBe(vmi?.metadata.uid);
  });
});
