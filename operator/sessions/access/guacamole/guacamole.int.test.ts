// Guacamole connections with the contract fake (testing/guacamole-fake.ts; no Guacamole can be
// installed here), on the local control plane: the real operator registers a Running rdp session's
// connection with the right parameters and READ for its users, restores it after an out-of-band
// delete, removes it on stop, expiry and deletion (finalizer released), keeps a session alive while
// someone is connected through Guacamole (connections signal), says GuacamoleUnavailable
// while Guacamole is down and recovers without a restart, and lets a deleted session go after a
// bounded wait if Guacamole stays down.
import { randomBytes } from 'node:crypto';
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUP, GUACAMOLE_FINALIZER, VERSION, type AnalysisSession } from '../../../../crds/index.ts';
import { installCrds } from '../../../../crds/testing/api-server.ts';
import type { RunningOperator } from '../../../../runtime/app.ts';
import { startGuacamoleFake, type GuacamoleFake } from '../../../../testing/guacamole-fake.ts';
import { createTestNamespace, eventually, testKubeConfig } from '../../../../testing/kube.ts';
import { sessionImageObject } from '../../../../testing/objects.ts';
import { startTestOperator } from '../../../../testing/operator.ts';
import { TestSessions } from '../../../../testing/sessions.ts';
import { clientLink } from './requests.ts';

const suffix = randomBytes(3).toString('hex');
const proposal = `MX-${String(1000 + Math.floor(Math.random() * 8000))}`;
const images = {
  rdp: `t-guac-rdp-${suffix}`,
  brief: `t-guac-brief-${suffix}`,
  idle: `t-guac-idle-${suffix}`,
};
let kc: KubeConfig;
let core: CoreV1Api;
let custom: CustomObjectsApi;
let ns: { name: string; remove: () => Promise<void> };
let operator: RunningOperator;
let sessions: TestSessions;
let fake: GuacamoleFake;

const running = (name: string) => sessions.until(name, 'Running', (s) => s.status?.phase === 'Running');
const connectionOf = (name: string) => fake.listConnections().find((c) => c.name === name);
const finalizers = (s: AnalysisSession) => (s.metadata.finalizers ?? []) as string[];

async function eventsOf(session: string): Promise<string[]> {
  const list = await core.listNamespacedEvent({ namespace: ns.name });
  return list.items
    .filter((e) => e.involvedObject.name === session)
    .map((e) => `${e.reason ?? ''}: ${e.message ?? ''}`);
}

async function token(session: string): Promise<string> {
  const secret = await core.readNamespacedSecret({ name: `daas-${session}`, namespace: ns.name });
  return Buffer.from(secret.data?.token ?? '', 'base64').toString('utf8');
}

async function gone(session: string): Promise<void> {
  await eventually(`session ${session} deleted`, async () =>
    (await sessions.get(session).then(
      () => false,
      () => true,
    ))
      ? true
      : undefined,
  );
}

beforeAll(async () => {
  kc = testKubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  custom = kc.makeApiClient(CustomObjectsApi);
  await installCrds();
  fake = await startGuacamoleFake();
  for (const user of ['akowalska', 'bob']) fake.addUser(user, randomBytes(8).toString('hex'));
  ns = await createTestNamespace(kc, 'guacamole', { 'daas.calipsoplus.eu/proposal': proposal });
  await core.createNamespacedSecret({
    namespace: ns.name,
    body: {
      metadata: { name: 'guacamole-admin' },
      stringData: { username: fake.adminUsername, password: fake.adminPassword },
    },
  });
  const create = (body: object) =>
    custom.createClusterCustomObject({ group: GROUP, version: VERSION, plural: 'sessionimages', body });
  await create(sessionImageObject(images.rdp, { access: { protocol: 'rdp', port: 3389 } }));
  await create(
    sessionImageObject(images.brief, {
      access: { protocol: 'ssh', port: 22, guacamole: { username: 'scientist' } },
      lifecycle: { defaultLifetime: '15s', maxLifetime: '1h', expiryWarning: '5s' },
    }),
  );
  await create(
    sessionImageObject(images.idle, {
      access: { protocol: 'rdp', port: 3389 },
      lifecycle: { defaultLifetime: '1h', maxLifetime: '2h', idleTimeout: '10s' },
      activity: { signal: 'connections', probeInterval: '1s' },
    }),
  );
  sessions = new TestSessions(custom, ns.name, { owner: 'akowalska', proposal });
  operator = await startTestOperator(
    [ns.name],
    [
      `--guacamole-url=${fake.url}`,
      `--guacamole-credentials-secret=${ns.name}/guacamole-admin`,
      '--guacamole-recheck-interval=2s',
      '--guacamole-release-timeout=4s',
      '--guacamole-request-timeout=2s',
    ],
  );
}, 120_000);

afterAll(async () => {
  await (operator as RunningOperator | undefined)?.shutdown('test done');
  // Let go of what is left (a failed test), so the namespace can go.
  for (const s of await sessions.list().catch(() => [])) {
    await custom
      .patchNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: ns.name,
        plural: 'analysissessions',
        name: s.metadata.name,
        body: [{ op: 'remove', path: '/metadata/finalizers' }],
      })
      .catch(() => undefined);
  }
  for (const name of Object.values(images)) {
    await custom
      .deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: 'sessionimages', name })
      .catch(() => undefined);
  }
  await ns.remove();
  await fake.stop();
});

describe('Guacamole connections (contract fake)', () => {
  it('registers a Running rdp session with its pod address, its token, and READ for owner and sharedWith', async () => {
    await sessions.create('win', { image: images.rdp, sharedWith: ['bob'] });
    const s = await running('win');
    const c = connectionOf('win');
    const id = s.status?.guacamole?.connectionId;
    expect(c?.identifier).toBe(id);
    expect(c?.protocol).toBe('rdp');
    expect(c?.parameters).toMatchObject({
      hostname: s.status?.endpoint?.host,
      port: '3389',
      username: 'akowalska',
      password: await token('win'),
    });
    expect(s.status?.endpoint?.host).toMatch(/^127\./);
    expect(fake.listGroups().find((g) => g.identifier === c?.parentIdentifier)?.name).toBe(
      `Proposal ${proposal}`,
    );
    expect(fake.readableBy('akowalska')).toContain(id);
    expect(fake.readableBy('bob')).toContain(id);
    expect(s.status?.endpoint?.url).toBe(clientLink(fake.url, id ?? '', 'postgresql'));
    expect(s.status?.guacamole?.users).toEqual(['akowalska', 'bob']);
    expect(finalizers(s)).toContain(GUACAMOLE_FINALIZER);
    expect(JSON.stringify(s.status)).not.toContain(await token('win'));
    expect((await eventsOf('win')).join('\n')).not.toContain(await token('win'));
  });

  it('restores the connection after it was deleted in Guacamole', async () => {
    const before = (await sessions.get('win')).status?.guacamole?.connectionId ?? '';
    fake.deleteConnection(before);
    const s = await sessions.until(
      'win',
      'a new connection',
      (x) => x.status?.guacamole?.connectionId !== before && x.status?.phase === 'Running',
      15_000,
    );
    const c = connectionOf('win');
    expect(c?.identifier).toBe(s.status?.guacamole?.connectionId);
    expect(fake.readableBy('bob')).toContain(c?.identifier);
    // Events are recorded after the status write: wait for it rather than race it.
    await eventually('the GuacamoleConnectionRestored Event', async () =>
      (await eventsOf('win')).some((e) => e.includes('GuacamoleConnectionRestored')) ? true : undefined,
    );
  });

  it('removes the connection when the session is stopped, and the finalizer with it', async () => {
    await sessions.patchSpec('win', { state: 'Stopped' });
    const s = await sessions.until(
      'win',
      'Stopped without finalizer',
      (x) => x.status?.phase === 'Stopped' && !finalizers(x).includes(GUACAMOLE_FINALIZER),
    );
    expect(connectionOf('win')).toBeUndefined();
    expect(s.status?.guacamole).toBeUndefined();
    expect(s.status?.endpoint).toBeUndefined();
  });

  it('removes the connection when the session expires', async () => {
    await sessions.create('brief', { image: images.brief });
    const s = await running('brief');
    expect(connectionOf('brief')?.parameters).toMatchObject({ username: 'scientist', port: '22' });
    expect(s.status?.endpoint?.protocol).toBe('ssh');
    await sessions.until(
      'brief',
      'Expired without finalizer',
      (x) => x.status?.phase === 'Expired' && !finalizers(x).includes(GUACAMOLE_FINALIZER),
      40_000,
    );
    expect(connectionOf('brief')).toBeUndefined();
  }, 60_000);

  it("refuses an image that sets the operator's own Guacamole parameters, naming the field", async () => {
    const err: unknown = await custom
      .createClusterCustomObject({
        group: GROUP,
        version: VERSION,
        plural: 'sessionimages',
        body: sessionImageObject(`t-guac-bad-${suffix}`, {
          access: { protocol: 'rdp', port: 3389, guacamole: { parameters: { hostname: '10.0.0.1' } } },
        }),
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    const body = String((err as { body?: unknown } | undefined)?.body);
    expect(body).toContain('spec.access.guacamole.parameters');
    expect(body).toContain('hostname, port, username and password are set by the operator');
  });

  it('removes the connection when the session is deleted, then lets the session go', async () => {
    await sessions.create('gone', { image: images.rdp });
    await running('gone');
    expect(connectionOf('gone')).toBeDefined();
    await sessions.delete('gone');
    await gone('gone');
    expect(connectionOf('gone')).toBeUndefined();
  });

  it('keeps a session alive while someone is connected through Guacamole, and stops it as IdleTimeout after', async () => {
    await sessions.create('idle', { image: images.idle });
    const s = await running('idle');
    const id = s.status?.guacamole?.connectionId ?? '';
    fake.setActiveConnections(id, 1);
    const connectedAt = Date.now();
    await new Promise((r) => setTimeout(r, 13_000));
    expect((await sessions.get('idle')).status?.phase).toBe('Running');
    fake.setActiveConnections(id, 0);
    const stopped = await sessions.until('idle', 'Stopped', (x) => x.status?.phase === 'Stopped', 25_000);
    expect(stopped.status?.reason).toBe('IdleTimeout');
    // Idle 10 s after the last probe that saw the connection: at most one probe interval (1 s) before
    // it closed, and a busy machine may stretch that interval; never before 13 s + 10 s - 2 s.
    expect(Date.now() - connectedAt).toBeGreaterThanOrEqual(13_000 + 8_000);
    expect(connectionOf('idle')).toBeUndefined();
  }, 60_000);

  it('says GuacamoleUnavailable while Guacamole is down, keeps the pod, and recovers without a restart', async () => {
    await fake.stop();
    try {
      await sessions.create('down', { image: images.rdp });
      const s = await sessions.until(
        'down',
        'GuacamoleUnavailable',
        (x) => x.status?.reason === 'GuacamoleUnavailable',
      );
      const access = s.status?.conditions?.find((c) => c.type === 'AccessReady');
      expect(access).toMatchObject({ status: 'False', reason: 'GuacamoleUnavailable' });
      expect(access?.message).toContain('the session runs');
      expect(s.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
      expect(s.status?.phase).toBe('Provisioning');
    } finally {
      await fake.start();
    }
    const s = await sessions.until('down', 'Running', (x) => x.status?.phase === 'Running', 30_000);
    expect(connectionOf('down')?.identifier).toBe(s.status?.guacamole?.connectionId);
  }, 60_000);

  it('lets a deleted session go after --guacamole-release-timeout if Guacamole stays down, with a Warning', async () => {
    await running('down');
    await fake.stop();
    try {
      const started = Date.now();
      await sessions.delete('down');
      await new Promise((r) => setTimeout(r, 1500));
      expect(finalizers(await sessions.get('down'))).toContain(GUACAMOLE_FINALIZER);
      await gone('down');
      // deletionTimestamp has whole seconds: the 4 s wait counts from up to 1 s before the delete.
      expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
      expect(await eventsOf('down')).toContainEqual(expect.stringContaining('GuacamoleConnectionLeft'));
    } finally {
      await fake.start();
    }
    // Left in Guacamole for an admin, as the Event says.
    expect(connectionOf('down')).toBeDefined();
  }, 40_000);
});
