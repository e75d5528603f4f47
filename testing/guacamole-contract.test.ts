// The Guacamole REST contract the operator relies on, asserted on raw HTTP: against the contract fake
// by default, or against a real Guacamole web application when GUACAMOLE_CONTRACT_URL (its base URL,
// ending in /), GUACAMOLE_CONTRACT_USERNAME and GUACAMOLE_CONTRACT_PASSWORD (an administrator) are set,
// so the fake can be checked against the real thing outside this repository. Everything it creates
// carries a random suffix and is deleted at the end.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGuacamoleFake, type GuacamoleFake } from './guacamole-fake.ts';

const real = process.env.GUACAMOLE_CONTRACT_URL;
const suffix = randomBytes(3).toString('hex');
let fake: GuacamoleFake | undefined;
let base = '';
let admin = { username: '', password: '' };
let ds = process.env.GUACAMOLE_CONTRACT_DATA_SOURCE ?? 'postgresql';
let token = '';
const alice = { username: `contract-alice-${suffix}`, password: randomBytes(9).toString('base64url') };
const created: { connections: string[] } = { connections: [] };

interface Answer {
  status: number;
  body: unknown;
  text: string;
}

async function call(
  method: string,
  path: string,
  o: { json?: unknown; form?: Record<string, string>; token?: string; query?: string; type?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (o.token !== undefined) headers['Guacamole-Token'] = o.token;
  let body: string | undefined;
  if (o.form) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(o.form).toString();
  } else if (o.json !== undefined) {
    headers['Content-Type'] = o.type ?? 'application/json';
    body = JSON.stringify(o.json);
  }
  const res = await fetch(`${base}${path}${o.query ?? ''}`, { method, headers, ...(body ? { body } : {}) });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed, text };
}

const data = (path: string) => `api/session/data/${ds}/${path}`;
const login = async (u: { username: string; password: string }) =>
  ((await call('POST', 'api/tokens', { form: u })).body as { authToken: string }).authToken;
const connection = (name: string, parentIdentifier = 'ROOT') => ({
  parentIdentifier,
  name,
  protocol: 'ssh',
  parameters: { hostname: '127.0.0.1', port: '22' },
  attributes: {},
});

beforeAll(async () => {
  if (real) {
    base = real;
    admin = {
      username: process.env.GUACAMOLE_CONTRACT_USERNAME ?? 'guacadmin',
      password: process.env.GUACAMOLE_CONTRACT_PASSWORD ?? '',
    };
  } else {
    fake = await startGuacamoleFake();
    base = fake.url;
    admin = { username: fake.adminUsername, password: fake.adminPassword };
    ds = fake.dataSource;
  }
  token = await login(admin);
  await call('POST', data('users'), { token, json: { ...alice, attributes: {} } });
});

afterAll(async () => {
  for (const id of created.connections) await call('DELETE', data(`connections/${id}`), { token });
  await call('DELETE', data(`users/${encodeURIComponent(alice.username)}`), { token });
  await fake?.stop();
});

const errorShape = (type: string) => ({
  message: expect.any(String) as unknown,
  translatableMessage: {
    key: 'APP.TEXT_UNTRANSLATED',
    variables: { MESSAGE: expect.any(String) as unknown },
  },
  statusCode: null,
  type,
});

describe(`Guacamole REST contract (${real ? 'a real Guacamole' : 'contract fake'})`, () => {
  it('logs in with a form only: JSON is a 500, a wrong password a 403 INVALID_CREDENTIALS', async () => {
    const ok = await call('POST', 'api/tokens', { form: admin });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      authToken: expect.stringMatching(/^[0-9A-F]{64}$/) as unknown,
      dataSource: ds,
    });
    expect((ok.body as { availableDataSources: string[] }).availableDataSources).toContain(`${ds}-shared`);
    const json = await call('POST', 'api/tokens', { json: admin });
    expect(json.status).toBe(500);
    expect(json.body).toMatchObject(errorShape('INTERNAL_ERROR'));
    const wrong = await call('POST', 'api/tokens', { form: { ...admin, password: 'not-it' } });
    expect(wrong.status).toBe(403);
    expect(wrong.body).toMatchObject({
      ...errorShape('INVALID_CREDENTIALS'),
      expected: expect.any(Array) as unknown,
    });
  });

  it('takes the token from Guacamole-Token or ?token=, the header winning; a bad one is 403 PERMISSION_DENIED', async () => {
    const none = await call('GET', data('connections'));
    expect(none.status).toBe(403);
    expect(none.body).toMatchObject({ ...errorShape('PERMISSION_DENIED'), message: 'Permission Denied.' });
    expect((await call('GET', data('connections'), { query: `?token=${token}` })).status).toBe(200);
    expect((await call('GET', data('connections'), { token, query: '?token=BAD' })).status).toBe(200);
    expect((await call('GET', data('connections'), { token: 'BAD', query: `?token=${token}` })).status).toBe(
      403,
    );
  });

  it('creates connections with 200 and a string identifier, lists them keyed by it without parameters', async () => {
    const name = `contract-${suffix}`;
    const c = await call('POST', data('connections'), { token, json: connection(name) });
    expect(c.status).toBe(200);
    const id = (c.body as { identifier: string }).identifier;
    created.connections.push(id);
    expect(c.body).toMatchObject({
      ...connection(name),
      identifier: expect.stringMatching(/^\d+$/) as unknown,
    });
    const list = (await call('GET', data('connections'), { token })).body as Record<string, object>;
    expect(list[id]).toMatchObject({ name, identifier: id, parentIdentifier: 'ROOT', protocol: 'ssh' });
    expect(list[id]).not.toHaveProperty('parameters');
    expect((await call('GET', data(`connections/${id}/parameters`), { token })).body).toEqual(
      connection(name).parameters,
    );
    const dup = await call('POST', data('connections'), { token, json: connection(name) });
    expect(dup.status).toBe(400);
    expect(dup.body).toMatchObject({
      ...errorShape('BAD_REQUEST'),
      message: `The connection "${name}" already exists.`,
    });
    expect(
      (await call('POST', data('connections'), { token, json: connection(`x-${suffix}`, '999999') })).status,
    ).toBe(500);
    expect(
      (await call('POST', data('connections'), { token, json: connection('y'), type: 'text/plain' })).status,
    ).toBe(415);
  });

  it('updates with 204, replacing parameters as a whole; a PUT without parameters is a 500 that changes nothing', async () => {
    const id = created.connections[0] ?? '';
    const { parameters: _omitted, ...without } = connection(`contract-${suffix}`);
    expect(
      (await call('PUT', data(`connections/${id}`), { token, json: { ...without, identifier: id } })).status,
    ).toBe(500);
    expect((await call('GET', data(`connections/${id}/parameters`), { token })).body).toMatchObject({
      port: '22',
    });
    const put = await call('PUT', data(`connections/${id}`), {
      token,
      json: { ...connection(`contract-${suffix}`), identifier: id, parameters: { hostname: '127.0.0.2' } },
    });
    expect(put.status).toBe(204);
    expect((await call('GET', data(`connections/${id}/parameters`), { token })).body).toEqual({
      hostname: '127.0.0.2',
    });
  });

  it('grants READ with add/remove patches: upper-case values, users and connections that exist', async () => {
    const id = created.connections[0] ?? '';
    const perms = (user: string) => data(`users/${encodeURIComponent(user)}/permissions`);
    const read = (op: string, value = 'READ', cid = id) => [
      { op, path: `/connectionPermissions/${cid}`, value },
    ];
    expect((await call('PATCH', perms(alice.username), { token, json: read('add') })).status).toBe(204);
    expect((await call('PATCH', perms(alice.username), { token, json: read('add') })).status).toBe(204);
    expect((await call('PATCH', perms(alice.username), { token, json: read('replace') })).status).toBe(400);
    expect((await call('PATCH', perms(alice.username), { token, json: read('add', 'read') })).status).toBe(
      500,
    );
    expect(
      (await call('PATCH', perms(alice.username), { token, json: read('add', 'READ', '999999') })).status,
    ).toBe(500);
    expect((await call('PATCH', perms(`nobody-${suffix}`), { token, json: read('add') })).status).toBe(404);
    const mine = (await call('GET', perms(alice.username), { token })).body;
    expect(mine).toMatchObject({ connectionPermissions: { [id]: ['READ'] } });
  });

  it('shows a user only what they may read; what they cannot see is 404, what they may not do 403', async () => {
    const id = created.connections[0] ?? '';
    const t = await login(alice);
    const list = (await call('GET', data('connections'), { token: t })).body as Record<string, unknown>;
    expect(Object.keys(list)).toEqual([id]);
    expect((await call('DELETE', data(`connections/${id}`), { token: t })).status).toBe(403);
    expect(
      (await call('POST', data('connections'), { token: t, json: connection(`z-${suffix}`) })).status,
    ).toBe(403);
    expect((await call('GET', data(`users/${admin.username}/permissions`), { token: t })).status).toBe(404);
    expect((await call('DELETE', `api/tokens/${t}`)).status).toBe(204);
    expect((await call('DELETE', `api/tokens/${t}`)).status).toBe(404);
    expect((await call('GET', data('connections'), { token: t })).status).toBe(403);
  });

  it('deletes with 204, then answers 404 Not found', async () => {
    const id = created.connections.shift() ?? '';
    expect((await call('DELETE', data(`connections/${id}`), { token })).status).toBe(204);
    const again = await call('DELETE', data(`connections/${id}`), { token });
    expect(again.status).toBe(404);
    expect(again.body).toMatchObject({ ...errorShape('NOT_FOUND'), message: `Not found: "${id}"` });
    expect((await call('GET', data(`connections/${id}`), { token })).status).toBe(404);
  });
});
