// Pure builders of the requests the operator sends to Apache Guacamole's REST API (1.5.x, as
// recorded in docs/guacamole.md): paths, bodies and the client link. No I/O, so every request the
// operator can send is checked by unit tests.

/** One request, relative to the Guacamole base URL (which ends in /). */
export interface GuacamoleRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Relative to the base URL, e.g. "api/session/data/postgresql/connections". */
  path: string;
  /** Sent as application/x-www-form-urlencoded (login) or application/json (everything else). */
  form?: Record<string, string>;
  json?: unknown;
}

export type GuacamoleProtocol = 'vnc' | 'rdp' | 'ssh';

/** A connection as Guacamole's REST API takes it (APIConnection). */
export interface GuacamoleConnection {
  identifier?: string;
  parentIdentifier: string;
  name: string;
  protocol: string;
  /** Always sent: a PUT without parameters fails with 500 and changes nothing. */
  parameters: Record<string, string>;
  attributes: Record<string, string | null>;
}

/** A connection group as the REST API takes it (APIConnectionGroup). */
export interface GuacamoleConnectionGroup {
  identifier?: string;
  parentIdentifier: string;
  name: string;
  type: 'ORGANIZATIONAL' | 'BALANCING';
  attributes: Record<string, string | null>;
  childConnections?: GuacamoleConnection[];
  childConnectionGroups?: GuacamoleConnectionGroup[];
}

/** One operation of a permissions patch: only add and remove exist, values are upper-case. */
export interface PermissionPatch {
  op: 'add' | 'remove';
  path: string;
  value: 'READ' | 'UPDATE' | 'DELETE' | 'ADMINISTER';
}

export const ROOT_GROUP = 'ROOT';

const seg = (s: string) => encodeURIComponent(s);
const data = (dataSource: string) => `api/session/data/${seg(dataSource)}`;

/** Token login: form-encoded (a JSON body fails with 500). */
export function loginRequest(username: string, password: string): GuacamoleRequest {
  return { method: 'POST', path: 'api/tokens', form: { username, password } };
}

/** Logout; a second call, or an expired token, answers 404. */
export function logoutRequest(token: string): GuacamoleRequest {
  return { method: 'DELETE', path: `api/tokens/${seg(token)}` };
}

/** Every connection group the caller can see, as an object keyed by identifier. */
export function listGroupsRequest(dataSource: string): GuacamoleRequest {
  return { method: 'GET', path: `${data(dataSource)}/connectionGroups` };
}

export function createGroupRequest(dataSource: string, group: GuacamoleConnectionGroup): GuacamoleRequest {
  return { method: 'POST', path: `${data(dataSource)}/connectionGroups`, json: group };
}

/** A group with its child connections (without parameters) and groups. */
export function groupTreeRequest(dataSource: string, identifier: string): GuacamoleRequest {
  return { method: 'GET', path: `${data(dataSource)}/connectionGroups/${seg(identifier)}/tree` };
}

export function getConnectionRequest(dataSource: string, identifier: string): GuacamoleRequest {
  return { method: 'GET', path: `${data(dataSource)}/connections/${seg(identifier)}` };
}

export function connectionParametersRequest(dataSource: string, identifier: string): GuacamoleRequest {
  return { method: 'GET', path: `${data(dataSource)}/connections/${seg(identifier)}/parameters` };
}

/** Answers 200 (not 201) with the connection and its new identifier (a string). */
export function createConnectionRequest(dataSource: string, c: GuacamoleConnection): GuacamoleRequest {
  return { method: 'POST', path: `${data(dataSource)}/connections`, json: c };
}

/** The full object, parameters included (they are replaced as a whole); answers 204. */
export function updateConnectionRequest(
  dataSource: string,
  identifier: string,
  c: GuacamoleConnection,
): GuacamoleRequest {
  return {
    method: 'PUT',
    path: `${data(dataSource)}/connections/${seg(identifier)}`,
    json: { ...c, identifier },
  };
}

export function deleteConnectionRequest(dataSource: string, identifier: string): GuacamoleRequest {
  return { method: 'DELETE', path: `${data(dataSource)}/connections/${seg(identifier)}` };
}

/** READ on a connection and its group for a user; adding twice is fine (204). An unknown user: 404. */
export function grantReadRequest(
  dataSource: string,
  username: string,
  connection: string,
  group: string | undefined,
  op: 'add' | 'remove' = 'add',
): GuacamoleRequest {
  const patch: PermissionPatch[] = [{ op, path: `/connectionPermissions/${connection}`, value: 'READ' }];
  if (group !== undefined && group !== ROOT_GROUP)
    patch.push({ op, path: `/connectionGroupPermissions/${group}`, value: 'READ' });
  return { method: 'PATCH', path: `${data(dataSource)}/users/${seg(username)}/permissions`, json: patch };
}

/**
 * The Guacamole client page of a connection: the frontend's ClientIdentifier, base64 of
 * "<id> NUL c NUL <data source>", URI-encoded in the hash route /client/:id.
 */
export function clientLink(baseUrl: string, identifier: string, dataSource: string): string {
  const id = Buffer.from([identifier, 'c', dataSource].join('\0'), 'utf8').toString('base64');
  return `${baseUrl}#/client/${encodeURIComponent(id)}`;
}
