// The Guacamole access provider against the contract fake: what it registers, how it keeps it, and
// how it behaves while Guacamole is down. The cluster side (finalizer, status) is in guacamole.int.test.ts.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGuacamoleFake, type GuacamoleFake } from '../../../../testing/guacamole-fake.ts';
import { image, session } from '../../fixtures.ts';
import type { AccessInput } from '../types.ts';
import { GuacamoleClient } from './client.ts';
import { GuacamoleAccess } from './provider.ts';
import { clientLink } from './requests.ts';

let fake: GuacamoleFake;
let clock = Date.parse('2026-12-01T10:00:00Z');
let provider: GuacamoleAccess;
const RECHECK = 60_000;

beforeAll(async () => {
  fake = await startGuacamoleFake();
  for (const u of ['akowalska', 'bob']) fake.addUser(u, 'x');
  provider = new GuacamoleAccess({
    client: new GuacamoleClient({
      baseUrl: fake.url,
      credentials: () => Promise.resolve({ username: fake.adminUsername, password: fake.adminPassword }),
      timeoutMs: 2000,
    }),
    url: fake.url,
    dataSource: 'postgresql',
    vnc: false,
    recheckIntervalMs: RECHECK,
    releaseTimeoutMs: 60_000,
    log: pino({ level: 'silent' }),
    now: () => clock,
  });
});
afterAll(() => fake.stop());

const rdp = image('windows', { access: { protocol: 'rdp', port: 3389 } });
const credentials = { token: 'session-token-0123456789' };
let s = session('w', { sharedWith: ['bob', 'carol'] }, 'windows');
const input = (): AccessInput => ({
  session: s,
  image: rdp,
  address: '127.9.1.4',
  credentialsSecretName: 'daas-w',
  credentials,
});
/** The session as its status would be after the pass (status.guacamole recorded). */
const record = (status: unknown) => {
  s = { ...s, status: { ...s.status, ...(status as object) } };
};

describe('Guacamole access with the contract fake', () => {
  it('serves rdp and ssh, and vnc only when the image asks', () => {
    expect(provider.serves(rdp)).toBe(true);
    expect(provider.serves(image('d', { access: { protocol: 'vnc', port: 5901 } }))).toBe(false);
    expect(provider.serves(image('d', { access: { protocol: 'vnc', port: 5901, guacamole: {} } }))).toBe(
      true,
    );
    expect(provider.serves(image('j'))).toBe(false);
  });

  it('registers the connection in the proposal group, with READ for the owner and sharedWith users', async () => {
    const out = await provider.ensure(input());
    const [group] = fake.listGroups();
    const [c] = fake.listConnections();
    expect(group).toMatchObject({
      name: 'Proposal MX-2451',
      parentIdentifier: 'ROOT',
      type: 'ORGANIZATIONAL',
    });
    expect(c).toMatchObject({
      name: 'w',
      parentIdentifier: group?.identifier,
      protocol: 'rdp',
      parameters: { hostname: '127.9.1.4', port: '3389', username: 'akowalska', password: credentials.token },
    });
    const id = c?.identifier ?? '';
    expect(fake.readableBy('akowalska')).toEqual([id]);
    expect(fake.readableBy('bob')).toEqual([id]);
    expect(out.verdict).toMatchObject({ status: 'True', reason: 'EndpointReady' });
    expect(out.verdict?.message).toContain('no account for carol yet');
    expect(out.endpoint).toMatchObject({
      url: clientLink(fake.url, id, 'postgresql'),
      guacamoleConnectionId: id,
    });
    expect(JSON.stringify([out.endpoint, out.status, out.verdict])).not.toContain(credentials.token);
    expect(out.status).toEqual({
      guacamole: { connectionId: id, dataSource: 'postgresql', users: ['akowalska', 'bob', 'carol'] },
    });
    record(out.status);
  });

  it('costs nothing until the re-check interval, then 2 reads and a grant per user', async () => {
    fake.requests.length = 0;
    const out = await provider.ensure(input());
    expect(fake.requests).toHaveLength(0);
    expect(out.retryAt?.getTime()).toBe(clock + RECHECK);
    clock += RECHECK;
    await provider.ensure(input());
    expect(fake.requests.map((r) => r.method)).toEqual(['GET', 'GET', 'PATCH', 'PATCH', 'PATCH']);
  });

  it('restores a connection deleted or edited in Guacamole at the next check, with an Event', async () => {
    const id = s.status?.guacamole?.connectionId ?? '';
    fake.deleteConnection(id);
    clock += RECHECK;
    const out = await provider.ensure(input());
    const [c] = fake.listConnections();
    expect(c?.identifier).not.toBe(id);
    expect(fake.readableBy('bob')).toEqual([c?.identifier]);
    expect(out.events?.[0]).toMatchObject({ reason: 'GuacamoleConnectionRestored' });
    record(out.status);
    fake.editConnection(c?.identifier ?? '', (x) => {
      x.parameters.hostname = '10.0.0.1';
    });
    clock += RECHECK;
    const again = await provider.ensure(input());
    expect(fake.listConnections()[0]?.parameters.hostname).toBe('127.9.1.4');
    expect(again.events?.[0]?.note).toContain('parameters.hostname');
    expect(again.events?.[0]?.note).not.toContain(credentials.token);
  });

  it('checks at once when the session changes, and takes READ away from a user no longer shared with', async () => {
    s = { ...s, spec: { ...s.spec, sharedWith: ['carol'] } };
    const out = await provider.ensure(input());
    expect(fake.readableBy('bob')).toEqual([]);
    expect(fake.readableBy('akowalska')).toHaveLength(1);
    record(out.status);
  });

  it('says GuacamoleUnavailable while Guacamole is down, backs off, and recovers when it is back', async () => {
    await fake.stop();
    clock += RECHECK;
    const first = await provider.ensure(input());
    expect(first.verdict).toMatchObject({ status: 'False', reason: 'GuacamoleUnavailable' });
    expect(first.endpoint).toBeUndefined();
    const delay = (o: typeof first) => (o.retryAt?.getTime() ?? 0) - clock;
    expect(delay(first)).toBe(5000);
    // Passes before the retry time (its own status write wakes one) answer the same, without a request.
    fake.requests.length = 0;
    expect(await provider.ensure(input())).toEqual(first);
    expect(fake.requests).toHaveLength(0);
    clock += 5000;
    const second = await provider.ensure(input());
    expect(delay(second)).toBe(10_000);
    clock += 10_000;
    await fake.start();
    const back = await provider.ensure(input());
    expect(back.verdict).toMatchObject({ status: 'True' });
  });

  it('reads the connections activity signal from Guacamole: users connected now, never idle on a failure', async () => {
    const id = fake.listConnections()[0]?.identifier ?? '';
    fake.setActiveConnections(id, 2);
    const busy = await provider.activity(id);
    expect(busy).toMatchObject({ ok: true, connections: 2 });
    fake.setActiveConnections(id, 0);
    const quiet = await provider.activity(id);
    // Nobody connected: no newer use than when the operator first saw the connection.
    expect(quiet).toMatchObject({ ok: true, connections: 0 });
    expect(quiet.ok && quiet.lastActivity.getTime()).toBeLessThanOrEqual(clock);
    await fake.stop();
    expect(await provider.activity(id)).toMatchObject({ ok: false });
    await fake.start();
  });

  it('removes the connection on release; while Guacamole is down it says so and keeps it', async () => {
    await fake.stop();
    const down = await provider.release(s);
    expect(down).toMatchObject({ released: false, retryAt: new Date(clock + 5000) });
    await fake.start();
    clock += 5000;
    const done = await provider.release(s);
    expect(done).toEqual({ released: true, status: { guacamole: undefined } });
    expect(fake.listConnections()).toEqual([]);
    // Released twice (the connection is already gone): still fine.
    await expect(provider.release(s)).resolves.toMatchObject({ released: true });
  });
});
