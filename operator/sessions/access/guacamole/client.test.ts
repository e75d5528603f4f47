// The operator's Guacamole client against the contract fake (testing/guacamole-fake.ts), which answers
// as a real Guacamole 1.5.5 does: login, token header, expiry, error shapes, unreachable.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGuacamoleFake, type GuacamoleFake } from '../../../../testing/guacamole-fake.ts';
import { GuacamoleApiError, GuacamoleClient, GuacamoleLoginRefused, GuacamoleUnreachable } from './client.ts';
import {
  createConnectionRequest,
  getConnectionRequest,
  listGroupsRequest,
  type GuacamoleConnection,
} from './requests.ts';

let fake: GuacamoleFake;
beforeAll(async () => {
  fake = await startGuacamoleFake();
});
afterAll(() => fake.stop());

const client = (password = fake.adminPassword, timeoutMs = 2000) =>
  new GuacamoleClient({
    baseUrl: fake.url,
    credentials: () => Promise.resolve({ username: fake.adminUsername, password }),
    timeoutMs,
  });

const conn = (name: string) => ({
  parentIdentifier: 'ROOT',
  name,
  protocol: 'ssh',
  parameters: { hostname: '127.0.0.9' },
  attributes: {},
});

describe('GuacamoleClient against the contract fake', () => {
  it('logs in with a form, sends the token in the Guacamole-Token header, never in the URL', async () => {
    fake.requests.length = 0;
    const created = await client().send<GuacamoleConnection>(
      createConnectionRequest('postgresql', conn('a')),
    );
    expect(created.identifier).toMatch(/^\d+$/);
    const [login, create] = fake.requests;
    expect(login).toMatchObject({
      method: 'POST',
      path: '/guacamole/api/tokens',
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(create).toMatchObject({
      method: 'POST',
      tokenHeader: true,
      query: '',
      contentType: 'application/json',
    });
  });

  it('logs in again once when the token expired (403 PERMISSION_DENIED), and goes on', async () => {
    const c = client();
    await c.send(listGroupsRequest('postgresql'));
    fake.expireTokens();
    fake.requests.length = 0;
    await expect(c.send(listGroupsRequest('postgresql'))).resolves.toEqual({});
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /guacamole/api/session/data/postgresql/connectionGroups',
      'POST /guacamole/api/tokens',
      'GET /guacamole/api/session/data/postgresql/connectionGroups',
    ]);
  });

  it("types Guacamole's errors with status and type, and refused credentials apart", async () => {
    const err = await client()
      .send(getConnectionRequest('postgresql', '999'))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GuacamoleApiError);
    expect(err).toMatchObject({ status: 404, type: 'NOT_FOUND' });
    const dup = await client()
      .send(createConnectionRequest('postgresql', conn('a')))
      .catch((e: unknown) => e);
    expect(dup).toMatchObject({
      status: 400,
      type: 'BAD_REQUEST',
      message: expect.stringContaining('already exists') as unknown,
    });
    const refused = await client('wrong')
      .send(listGroupsRequest('postgresql'))
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(GuacamoleLoginRefused);
    expect(String(refused)).not.toContain('wrong');
  });

  it('reports an unreachable Guacamole as such, and recovers when it is back', async () => {
    const c = client();
    await c.send(listGroupsRequest('postgresql'));
    await fake.stop();
    const err = await c.send(listGroupsRequest('postgresql')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GuacamoleUnreachable);
    expect(String(err)).toMatch(/ECONNREFUSED|UND_ERR_SOCKET/);
    await fake.start();
    await expect(c.send(listGroupsRequest('postgresql'))).resolves.toEqual({});
  });
});
