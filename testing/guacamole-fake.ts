// A contract fake of Apache Guacamole 1.5.5's REST API (no Guacamole can be installed here): an HTTP
// server on 127.0.0.1 that answers as docs/guacamole.md records a real one does: form login, the
// token in Guacamole-Token or ?token=, 403 PERMISSION_DENIED for a missing, unknown or expired token,
// Guacamole's error body, connections keyed by a string identifier, 200 on create, 204 on update and
// delete, READ permissions that decide what a user sees. It can be taken down and brought back on
// the same port. Tests that use it say "contract fake" in their names.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

interface Connection {
  identifier: string;
  parentIdentifier: string;
  name: string;
  protocol: string;
  parameters: Record<string, string>;
  attributes: Record<string, string | null>;
}

interface Group {
  identifier: string;
  parentIdentifier: string;
  name: string;
  type: string;
  attributes: Record<string, string | null>;
}

interface User {
  username: string;
  password: string;
  admin: boolean;
  connectionPermissions: Map<string, Set<string>>;
  connectionGroupPermissions: Map<string, Set<string>>;
}

interface Token {
  username: string;
  lastUsed: number;
}

/** One request as the fake saw it (for assertions on headers and paths). */
export interface SeenRequest {
  method: string;
  path: string;
  query: string;
  contentType: string | undefined;
  tokenHeader: boolean;
  body: string;
}

const CONNECTION_ATTRIBUTES = [
  'guacd-encryption',
  'failover-only',
  'weight',
  'max-connections',
  'guacd-hostname',
  'guacd-port',
  'max-connections-per-user',
];
const GROUP_ATTRIBUTES = ['max-connections', 'max-connections-per-user', 'enable-session-affinity'];
const USER_ATTRIBUTES = [
  'disabled',
  'expired',
  'access-window-start',
  'access-window-end',
  'valid-from',
  'valid-until',
  'timezone',
  'guac-full-name',
  'guac-email-address',
  'guac-organization',
  'guac-organizational-role',
];
const PERMISSIONS = new Set(['READ', 'UPDATE', 'DELETE', 'ADMINISTER']);
/** Patch paths that are accepted and not modelled (the operator uses only the two above). */
const OTHER_PERMISSION_PATHS =
  /^\/(sharingProfilePermissions|activeConnectionPermissions|userPermissions|userGroupPermissions)\/.+$|^\/systemPermissions$/;

class Fail extends Error {
  readonly status: number;
  readonly type: string;
  readonly expected: unknown;
  constructor(status: number, type: string, message: string, expected: unknown = null) {
    super(message);
    this.status = status;
    this.type = type;
    this.expected = expected;
  }
}

const notFound = (id: string) => new Fail(404, 'NOT_FOUND', `Not found: "${id}"`);
const denied = () => new Fail(403, 'PERMISSION_DENIED', 'Permission denied.');
const internal = () => new Fail(500, 'INTERNAL_ERROR', 'Unexpected internal error.');

export interface GuacamoleFakeOptions {
  /** The web application's context path, e.g. /guacamole. */
  contextPath?: string;
  dataSource?: string;
  adminUsername?: string;
  adminPassword?: string;
  /** api-session-timeout: idle time after which a token is no longer accepted. */
  tokenIdleMs?: number;
}

export class GuacamoleFake {
  readonly dataSource: string;
  readonly adminUsername: string;
  readonly adminPassword: string;
  readonly requests: SeenRequest[] = [];
  private readonly contextPath: string;
  private readonly tokenIdleMs: number;
  private readonly users = new Map<string, User>();
  private readonly tokens = new Map<string, Token>();
  private readonly connections = new Map<string, Connection>();
  private readonly groups = new Map<string, Group>();
  private readonly active = new Map<string, number>();
  private nextConnectionId = 1;
  private nextGroupId = 1;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private port = 0;

  constructor(o: GuacamoleFakeOptions = {}) {
    this.contextPath = o.contextPath ?? '/guacamole';
    this.dataSource = o.dataSource ?? 'postgresql';
    this.adminUsername = o.adminUsername ?? 'guacadmin';
    this.adminPassword = o.adminPassword ?? randomBytes(12).toString('base64url');
    this.tokenIdleMs = o.tokenIdleMs ?? 60 * 60 * 1000;
    this.addUser(this.adminUsername, this.adminPassword, true);
  }

  /** The base URL, ending in / (e.g. http://127.0.0.1:PORT/guacamole/). */
  get url(): string {
    return `http://127.0.0.1:${String(this.port)}${this.contextPath}/`;
  }

  get isUp(): boolean {
    return this.server !== undefined;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        resolve();
      });
    });
    const address = server.address();
    if (address && typeof address === 'object') this.port = address.port;
    this.server = server;
  }

  /** Guacamole goes away: the port refuses connections until start() brings it back (same port, same data). */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
  }

  addUser(username: string, password: string, admin = false): void {
    this.users.set(username, {
      username,
      password,
      admin,
      connectionPermissions: new Map(),
      connectionGroupPermissions: new Map(),
    });
  }

  /** Every token is forgotten, as after api-session-timeout of idleness. */
  expireTokens(): void {
    this.tokens.clear();
  }

  /** Out-of-band changes, as an admin would make them in Guacamole's own pages. */
  listConnections(): Connection[] {
    return [...this.connections.values()].map((c) => structuredClone(c));
  }
  listGroups(): Group[] {
    return [...this.groups.values()].map((g) => structuredClone(g));
  }
  deleteConnection(id: string): void {
    this.dropConnection(id);
  }
  editConnection(id: string, edit: (c: Connection) => void): void {
    const c = this.connections.get(id);
    if (c) edit(c);
  }
  /** Users connected to a connection now (Guacamole's activeConnections). */
  setActiveConnections(id: string, n: number): void {
    this.active.set(id, n);
  }
  /** The connection identifiers a user holds READ on. */
  readableBy(username: string): string[] {
    const u = this.users.get(username);
    if (!u) return [];
    return [...u.connectionPermissions.entries()].filter(([, p]) => p.has('READ')).map(([id]) => id);
  }

  private dropConnection(id: string): void {
    this.connections.delete(id);
    for (const u of this.users.values()) u.connectionPermissions.delete(id);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const headerToken = req.headers['guacamole-token'];
    this.requests.push({
      method,
      path: url.pathname,
      query: url.search,
      contentType: req.headers['content-type'],
      tokenHeader: typeof headerToken === 'string',
      body,
    });
    try {
      if (!url.pathname.startsWith(`${this.contextPath}/api/`))
        throw new Fail(404, 'NOT_FOUND', 'Not found.');
      const parts = url.pathname
        .slice(`${this.contextPath}/api/`.length)
        .split('/')
        .filter((p) => p !== '')
        .map(decodeURIComponent);
      const token =
        typeof headerToken === 'string' ? headerToken : (url.searchParams.get('token') ?? undefined);
      const ctx = { method, parts, body, contentType: req.headers['content-type'] ?? '', token };
      const answer = this.route(ctx);
      if (answer === undefined) {
        res.writeHead(204).end();
      } else {
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(answer));
      }
    } catch (err) {
      if (err instanceof UnsupportedMediaType) {
        res
          .writeHead(415, { 'Content-Type': 'text/html;charset=iso-8859-1' })
          .end(
            '<html><head><title>Error 415 Unsupported Media Type</title></head><body><h2>HTTP ERROR 415 Unsupported Media Type</h2></body></html>',
          );
        return;
      }
      const f = err instanceof Fail ? err : internal();
      res.writeHead(f.status, { 'Content-Type': 'application/json' }).end(
        JSON.stringify({
          message: f.message,
          translatableMessage: { key: 'APP.TEXT_UNTRANSLATED', variables: { MESSAGE: f.message } },
          statusCode: null,
          expected: f.expected,
          type: f.type,
        }),
      );
    }
  }

  private route(c: Ctx): unknown {
    const [first, ...rest] = c.parts;
    if (first === 'tokens') return this.tokensRoute(c, rest);
    if (first === 'session' && rest[0] === 'data') {
      const user = this.authenticate(c.token);
      const [ds, collection, id, sub] = rest.slice(1);
      if (ds !== this.dataSource || collection === undefined) throw notFound(ds ?? '');
      if (collection === 'connections') return this.connectionsRoute(c, user, id, sub);
      if (collection === 'connectionGroups') return this.groupsRoute(c, user, id, sub);
      if (collection === 'users') return this.usersRoute(c, user, id, sub);
    }
    throw new Fail(404, 'NOT_FOUND', 'Not found.');
  }

  private tokensRoute(c: Ctx, rest: string[]): unknown {
    if (c.method === 'DELETE' && rest[0] !== undefined) {
      if (!this.live(rest[0])) throw new Fail(404, 'NOT_FOUND', 'No such token.');
      this.tokens.delete(rest[0]);
      return undefined;
    }
    if (c.method !== 'POST') throw new Fail(405, 'BAD_REQUEST', 'Method not allowed.');
    // A JSON login body is not supported: the form parameters are simply absent, and it fails with 500.
    if (!c.contentType.startsWith('application/x-www-form-urlencoded')) throw internal();
    const form = new URLSearchParams(c.body);
    const given = form.get('token');
    if (given && this.live(given)) return this.loginAnswer(given);
    const user = this.users.get(form.get('username') ?? '');
    if (!user || user.password !== form.get('password'))
      throw new Fail(403, 'INVALID_CREDENTIALS', 'Invalid login.', [
        { name: 'username', type: 'USERNAME' },
        { name: 'password', type: 'PASSWORD' },
      ]);
    const token = randomBytes(32).toString('hex').toUpperCase();
    this.tokens.set(token, { username: user.username, lastUsed: Date.now() });
    return this.loginAnswer(token);
  }

  private loginAnswer(token: string) {
    return {
      authToken: token,
      username: this.tokens.get(token)?.username,
      dataSource: this.dataSource,
      availableDataSources: [this.dataSource, `${this.dataSource}-shared`],
    };
  }

  private live(token: string): Token | undefined {
    const t = this.tokens.get(token);
    if (!t) return undefined;
    if (Date.now() - t.lastUsed > this.tokenIdleMs) {
      this.tokens.delete(token);
      return undefined;
    }
    return t;
  }

  private authenticate(token: string | undefined): User | undefined {
    const t = token === undefined ? undefined : this.live(token);
    if (!t) throw new Fail(403, 'PERMISSION_DENIED', 'Permission Denied.');
    t.lastUsed = Date.now();
    // The sessions of a deleted user stay valid, with nothing visible.
    return this.users.get(t.username);
  }

  private json(c: Ctx): Record<string, unknown> {
    if (!c.contentType.startsWith('application/json')) throw new UnsupportedMediaType();
    try {
      return JSON.parse(c.body) as Record<string, unknown>;
    } catch {
      throw new Fail(400, 'BAD_REQUEST', 'Invalid JSON.');
    }
  }

  private canRead(user: User | undefined, kind: 'connection' | 'group', id: string): boolean {
    if (!user) return false;
    if (user.admin) return true;
    const map = kind === 'connection' ? user.connectionPermissions : user.connectionGroupPermissions;
    return map.get(id)?.has('READ') ?? false;
  }

  private connectionView(c: Connection) {
    const attributes = Object.fromEntries(CONNECTION_ATTRIBUTES.map((k) => [k, c.attributes[k] ?? null]));
    return {
      name: c.name,
      identifier: c.identifier,
      parentIdentifier: c.parentIdentifier,
      protocol: c.protocol,
      attributes,
      activeConnections: this.active.get(c.identifier) ?? 0,
    };
  }

  private connectionsRoute(c: Ctx, user: User | undefined, id: string | undefined, sub: string | undefined) {
    if (id === undefined) {
      if (c.method === 'GET') {
        const visible = [...this.connections.values()].filter((x) =>
          this.canRead(user, 'connection', x.identifier),
        );
        return Object.fromEntries(visible.map((x) => [x.identifier, this.connectionView(x)]));
      }
      if (c.method === 'POST') {
        const b = this.json(c);
        if (!user?.admin) throw denied();
        const name = typeof b.name === 'string' ? b.name : '';
        if (name.trim() === '') throw new Fail(400, 'BAD_REQUEST', 'Connection names must not be blank.');
        const parent = typeof b.parentIdentifier === 'string' ? b.parentIdentifier : 'ROOT';
        // A parent that does not exist violates a foreign key: 500, not 404.
        if (parent !== 'ROOT' && !this.groups.has(parent)) throw internal();
        if ([...this.connections.values()].some((x) => x.parentIdentifier === parent && x.name === name))
          throw new Fail(400, 'BAD_REQUEST', `The connection "${name}" already exists.`);
        const identifier = String(this.nextConnectionId++);
        this.connections.set(identifier, {
          identifier,
          parentIdentifier: parent,
          name,
          protocol: String(b.protocol),
          parameters: { ...((b.parameters as Record<string, string> | undefined) ?? {}) },
          attributes: { ...((b.attributes as Record<string, string | null> | undefined) ?? {}) },
        });
        return { ...b, identifier, activeConnections: 0 };
      }
      if (c.method === 'PATCH') {
        const ops = this.json(c) as unknown as { op: string; path: string }[];
        if (!user?.admin) throw denied();
        for (const op of ops) {
          if (op.op !== 'remove')
            throw new Fail(400, 'BAD_REQUEST', `Unsupported patch operation: "${op.op}"`);
          this.dropConnection(op.path.replace(/^\//, ''));
        }
        return undefined;
      }
      throw new Fail(405, 'BAD_REQUEST', 'Method not allowed.');
    }
    const conn = this.connections.get(id);
    if (!conn || !this.canRead(user, 'connection', id)) throw notFound(id);
    if (sub === 'parameters' && c.method === 'GET') {
      if (!user?.admin) throw denied();
      return { ...conn.parameters };
    }
    if (sub !== undefined) throw notFound(sub);
    if (c.method === 'GET') return this.connectionView(conn);
    if (c.method === 'PUT') {
      const b = this.json(c);
      if (!user?.admin) throw denied();
      // Omitting parameters is a NullPointerException in 1.5.5: 500, and nothing changes.
      if (b.parameters === undefined || b.parameters === null) throw internal();
      const parent = typeof b.parentIdentifier === 'string' ? b.parentIdentifier : 'ROOT';
      if (parent !== 'ROOT' && !this.groups.has(parent)) throw internal();
      conn.name = String(b.name);
      conn.parentIdentifier = parent;
      conn.protocol = String(b.protocol);
      conn.parameters = { ...(b.parameters as Record<string, string>) };
      conn.attributes = { ...((b.attributes as Record<string, string | null> | undefined) ?? {}) };
      return undefined;
    }
    if (c.method === 'DELETE') {
      if (!user?.admin) throw denied();
      this.dropConnection(id);
      return undefined;
    }
    throw new Fail(405, 'BAD_REQUEST', 'Method not allowed.');
  }

  private groupView(g: Group) {
    const attributes = Object.fromEntries(GROUP_ATTRIBUTES.map((k) => [k, g.attributes[k] ?? null]));
    return {
      name: g.name,
      identifier: g.identifier,
      parentIdentifier: g.parentIdentifier,
      type: g.type,
      activeConnections: 0,
      attributes,
    };
  }

  private groupsRoute(c: Ctx, user: User | undefined, id: string | undefined, sub: string | undefined) {
    if (id === undefined) {
      if (c.method === 'GET') {
        const visible = [...this.groups.values()].filter((g) => this.canRead(user, 'group', g.identifier));
        return Object.fromEntries(visible.map((g) => [g.identifier, this.groupView(g)]));
      }
      if (c.method === 'POST') {
        const b = this.json(c);
        if (!user?.admin) throw denied();
        const name = typeof b.name === 'string' ? b.name : '';
        if (name.trim() === '')
          throw new Fail(400, 'BAD_REQUEST', 'Connection group names must not be blank.');
        const parent = typeof b.parentIdentifier === 'string' ? b.parentIdentifier : 'ROOT';
        if (parent !== 'ROOT' && !this.groups.has(parent)) throw internal();
        if ([...this.groups.values()].some((g) => g.parentIdentifier === parent && g.name === name))
          throw new Fail(400, 'BAD_REQUEST', `The connection group "${name}" already exists.`);
        const identifier = String(this.nextGroupId++);
        this.groups.set(identifier, {
          identifier,
          parentIdentifier: parent,
          name,
          type: typeof b.type === 'string' ? b.type : 'ORGANIZATIONAL',
          attributes: { ...((b.attributes as Record<string, string | null> | undefined) ?? {}) },
        });
        return { ...b, identifier, activeConnections: 0 };
      }
      throw new Fail(405, 'BAD_REQUEST', 'Method not allowed.');
    }
    const root = id === 'ROOT';
    const group = this.groups.get(id);
    if (!root && (!group || !this.canRead(user, 'group', id))) throw notFound(id);
    const view = root
      ? { name: 'ROOT', identifier: 'ROOT', type: 'ORGANIZATIONAL', activeConnections: 0, attributes: {} }
      : this.groupView(group as Group);
    if (sub === 'tree' && c.method === 'GET') {
      const childConnections = [...this.connections.values()]
        .filter((x) => x.parentIdentifier === id && this.canRead(user, 'connection', x.identifier))
        .map((x) => this.connectionView(x));
      const childConnectionGroups = [...this.groups.values()]
        .filter((g) => g.parentIdentifier === id && this.canRead(user, 'group', g.identifier))
        .map((g) => this.groupView(g));
      return {
        ...view,
        ...(childConnections.length ? { childConnections } : {}),
        ...(childConnectionGroups.length ? { childConnectionGroups } : {}),
      };
    }
    if (sub !== undefined) throw notFound(sub);
    if (c.method === 'GET') return view;
    if (c.method === 'DELETE' && group) {
      if (!user?.admin) throw denied();
      this.groups.delete(id);
      for (const x of [...this.connections.values()])
        if (x.parentIdentifier === id) this.dropConnection(x.identifier);
      return undefined;
    }
    throw new Fail(405, 'BAD_REQUEST', 'Method not allowed.');
  }

  private permissionsView(u: User) {
    const view = (m: Map<string, Set<string>>) => Object.fromEntries([...m].map(([k, v]) => [k, [...v]]));
    return {
      connectionPermissions: view(u.connectionPermissions),
      connectionGroupPermissions: view(u.connectionGroupPermissions),
      sharingProfilePermissions: {},
      activeConnectionPermissions: {},
      userPermissions: { [u.username]: ['READ'] },
      userGroupPermissions: {},
      systemPermissions: u.admin ? ['ADMINISTER'] : [],
    };
  }

  private usersRoute(c: Ctx, user: User | undefined, name: string | undefined, sub: string | undefined) {
    if (name === undefined) {
      if (c.method === 'POST') {
        const b = this.json(c);
        if (!user?.admin) throw denied();
        const username = String(b.username);
        if (this.users.has(username))
          throw new Fail(400, 'BAD_REQUEST', `User "${username}" already exists.`);
        this.addUser(username, typeof b.password === 'string' ? b.password : '');
        return b;
      }
      throw new Fail(405, 'BAD_REQUEST', 'Method not allowed.');
    }
    const target = this.users.get(name);
    // What the caller cannot see is not found (404), not forbidden.
    if (!target || (!user?.admin && user?.username !== name)) throw notFound(name);
    if (sub === 'permissions') {
      if (c.method === 'GET') return this.permissionsView(target);
      if (c.method !== 'PATCH') throw new Fail(405, 'BAD_REQUEST', 'Method not allowed.');
      const ops = this.json(c) as unknown as { op: string; path: string; value: string }[];
      if (!user.admin) throw denied();
      for (const op of ops) {
        if (op.op !== 'add' && op.op !== 'remove')
          throw new Fail(400, 'BAD_REQUEST', `Unsupported patch operation: "${op.op}"`);
        // Lower-case or unknown values fail deep inside: 500.
        if (!PERMISSIONS.has(op.value)) throw internal();
        const m = /^\/(connectionPermissions|connectionGroupPermissions)\/(.+)$/.exec(op.path);
        if (!m && OTHER_PERMISSION_PATHS.test(op.path)) continue;
        if (!m) throw new Fail(400, 'BAD_REQUEST', `Unsupported patch path: "${op.path}"`);
        const [, kind, objectId = ''] = m;
        const exists =
          kind === 'connectionPermissions' ? this.connections.has(objectId) : this.groups.has(objectId);
        // Granting on an object that does not exist violates a foreign key: 500.
        if (!exists && op.op === 'add') throw internal();
        const map =
          kind === 'connectionPermissions' ? target.connectionPermissions : target.connectionGroupPermissions;
        const set = map.get(objectId) ?? new Set<string>();
        if (op.op === 'add') set.add(op.value);
        else set.delete(op.value);
        if (set.size) map.set(objectId, set);
        else map.delete(objectId);
      }
      return undefined;
    }
    if (sub !== undefined) throw notFound(sub);
    if (c.method === 'GET')
      return {
        username: target.username,
        attributes: Object.fromEntries(USER_ATTRIBUTES.map((k) => [k, null])),
      };
    if (c.method === 'PUT') {
      const b = this.json(c);
      // A null or omitted password leaves the password unchanged.
      if (typeof b.password === 'string') target.password = b.password;
      return undefined;
    }
    if (c.method === 'DELETE') {
      if (!user.admin) throw denied();
      this.users.delete(name);
      return undefined;
    }
    throw new Fail(405, 'BAD_REQUEST', 'Method not allowed.');
  }
}

interface Ctx {
  method: string;
  parts: string[];
  body: string;
  contentType: string;
  token: string | undefined;
}

class UnsupportedMediaType extends Error {}

/** A running fake, stopped by the returned function. */
export async function startGuacamoleFake(o: GuacamoleFakeOptions = {}): Promise<GuacamoleFake> {
  const fake = new GuacamoleFake(o);
  await fake.start();
  return fake;
}
