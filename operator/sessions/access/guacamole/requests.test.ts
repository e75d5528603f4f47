import { describe, expect, it } from 'vitest';
import {
  clientLink,
  createConnectionRequest,
  deleteConnectionRequest,
  grantReadRequest,
  groupTreeRequest,
  loginRequest,
  updateConnectionRequest,
} from './requests.ts';

describe('Guacamole request builders', () => {
  it('logs in with a form, never JSON (a JSON login body is a 500 in 1.5.5)', () => {
    const r = loginRequest('guacadmin', 'p&ss=word');
    expect(r).toEqual({
      method: 'POST',
      path: 'api/tokens',
      form: { username: 'guacadmin', password: 'p&ss=word' },
    });
    expect(r.json).toBeUndefined();
  });

  it('addresses objects under api/session/data/<data source>, with identifiers URI-encoded', () => {
    expect(deleteConnectionRequest('postgresql', '12').path).toBe(
      'api/session/data/postgresql/connections/12',
    );
    expect(groupTreeRequest('mysql', 'a/b').path).toBe('api/session/data/mysql/connectionGroups/a%2Fb/tree');
  });

  it('sends the full connection on update, parameters included (omitting them is a 500)', () => {
    const c = { parentIdentifier: '3', name: 'w', protocol: 'rdp', parameters: {}, attributes: {} };
    expect(createConnectionRequest('postgresql', c)).toMatchObject({ method: 'POST', json: c });
    const put = updateConnectionRequest('postgresql', '7', c);
    expect(put.method).toBe('PUT');
    expect(put.json).toEqual({ ...c, identifier: '7' });
    expect(put.json).toHaveProperty('parameters', {});
  });

  it('grants upper-case READ on the connection and its group, and removes with the same call', () => {
    const add = grantReadRequest('postgresql', 'j.doe@facility', '5', '2');
    expect(add.method).toBe('PATCH');
    expect(add.path).toBe('api/session/data/postgresql/users/j.doe%40facility/permissions');
    expect(add.json).toEqual([
      { op: 'add', path: '/connectionPermissions/5', value: 'READ' },
      { op: 'add', path: '/connectionGroupPermissions/2', value: 'READ' },
    ]);
    const remove = grantReadRequest('postgresql', 'bob', '5', undefined, 'remove');
    expect(remove.json).toEqual([{ op: 'remove', path: '/connectionPermissions/5', value: 'READ' }]);
    expect(grantReadRequest('postgresql', 'bob', '5', 'ROOT').json).toHaveLength(1);
  });

  it("links to the client page as the frontend's ClientIdentifier does: base64 of id NUL c NUL data source", () => {
    const link = clientLink('https://guacamole.example/guacamole/', '1', 'postgresql');
    expect(link).toBe('https://guacamole.example/guacamole/#/client/MQBjAHBvc3RncmVzcWw%3D');
    const encoded = decodeURIComponent(link.split('#/client/')[1] ?? '');
    expect(Buffer.from(encoded, 'base64').toString('utf8').split('\0')).toEqual(['1', 'c', 'postgresql']);
  });
});
