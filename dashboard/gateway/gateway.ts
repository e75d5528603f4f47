// The gateway's HTTP front: routes /sessions/<namespace>/<name>/… to the session's Jupyter server
// (proxy) or desktop (noVNC page and VNC tunnel), after a ticket (redeemed once, for a cookie) or
// that cookie lets the user in, checked against the live session on every request. It connects
// nowhere but the pod IP and port in the session's status, and logs session and user, never secrets.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import { connectionRefusal } from './access-rules.ts';
import type { Connections } from './connections.ts';
import { cookieFor, readCookie, setCookieHeader, type CookieClaims } from './cookies.ts';
import type { SessionDirectory, SessionTarget } from './directory.ts';
import { proxyHttp, proxyUpgrade } from './http-proxy.ts';
import type { Keyring } from './signing.ts';
import { novncFile } from './static-files.ts';
import type { Authorizer } from './token-review.ts';
import { issueTicket, redeemTicket, RedeemedTickets, type Outcome } from './tickets.ts';
import { VNC_CLIENT_SCRIPT, vncPage } from './vnc-page.ts';
import { activityReport, serveActivity, type ActivityReport } from './activity-report.ts';
import { pathOnly, refuse, refuseSocket } from './responses.ts';
import { sessionRoute, type SessionRoute } from './session-route.ts';
import { startVncTunnel } from './vnc-tunnel.ts';

export interface GatewayOptions {
  /** The live sessions, where they listen and their credentials (SessionDirectory, or a benchmark's stand-in). */
  directory: Pick<SessionDirectory, 'session' | 'target' | 'credentials'>;
  keys: () => Keyring | undefined;
  /** Where browsers reach the gateway (its origin is the only one WebSockets are accepted from). */
  publicUrl: URL;
  connections: Connections;
  log: Logger;
  maxConnectionsPerUser: number;
  keepaliveMs: number;
  /** Who may read /activity (the operator); without it the endpoint answers 404. */
  authorizeActivity?: Authorizer;
  now?: () => number;
}

export class Gateway {
  private readonly o: GatewayOptions;
  private readonly now: () => number;
  private readonly redeemed = new RedeemedTickets();
  private readonly wss = new WebSocketServer({
    noServer: true,
    // noVNC asks for "binary" on older versions; nothing else is spoken.
    handleProtocols: (protocols) => (protocols.has('binary') ? 'binary' : false),
  });

  private readonly startedAt: number;
  /** Proxied WebSockets (Jupyter), closed by closeConnections. */
  private readonly upgraded = new Set<Duplex>();

  constructor(options: GatewayOptions) {
    this.o = options;
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
  }

  /** Closes every open WebSocket and tunnel (on shutdown: the HTTP server does not track them). */
  closeConnections(): void {
    for (const ws of this.wss.clients) ws.terminate();
    for (const socket of this.upgraded) socket.destroy();
    this.upgraded.clear();
  }

  /** Open connections and last input of a session, as /activity reports them. */
  activity(namespace: string, name: string): ActivityReport {
    return activityReport(this.o.connections.of(`${namespace}/${name}`), this.startedAt);
  }

  /** The URL a user opens to connect (the dashboard and portals hand it out), or why not. */
  issue(user: string, namespace: string, name: string): Outcome<{ url: string; expiresAt: number }> {
    const keys = this.o.keys();
    if (!keys) return { ok: false, refusal: 'the gateway has no ticket keys yet' };
    const session = this.o.directory.session(namespace, name);
    const target = session && this.o.directory.target(session);
    if (!session || !target)
      return {
        ok: false,
        refusal: connectionRefusal(session, user) ?? 'the gateway does not serve this session',
      };
    const out = issueTicket(keys, { session, user, protocol: target.protocol, now: this.now() });
    if (!out.ok) return out;
    const url = new URL(`/sessions/${namespace}/${name}/`, this.o.publicUrl);
    url.searchParams.set('ticket', out.value.ticket);
    return { ok: true, value: { url: url.toString(), expiresAt: out.value.claims.expiresAt } };
  }

  handle = (req: IncomingMessage, res: ServerResponse): void => {
    this.route(req, res).catch((err: unknown) => {
      this.o.log.error({ err: (err as Error).message, path: pathOnly(req) }, 'request failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end('gateway error\n');
      else res.destroy();
    });
  };

  upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    this.routeUpgrade(req, socket, head).catch((err: unknown) => {
      this.o.log.error({ err: (err as Error).message, path: pathOnly(req) }, 'upgrade failed');
      refuseSocket(socket, 500, 'gateway error');
    });
  };

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://gateway.invalid');
    if (url.pathname.startsWith('/activity/')) {
      const report = (ns: string, n: string) => this.activity(ns, n);
      await serveActivity(req, res, url, { authorize: this.o.authorizeActivity, report });
      return;
    }
    if (url.pathname === '/healthz')
      return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    if (url.pathname === '/assets/vnc-client.js') {
      return void res
        .writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' })
        .end(VNC_CLIENT_SCRIPT);
    }
    if (url.pathname.startsWith('/novnc/')) {
      const file = await novncFile(url.pathname.slice('/novnc/'.length));
      if (!file) return void res.writeHead(404).end();
      return void res
        .writeHead(200, { 'content-type': file.type, 'cache-control': 'max-age=3600' })
        .end(file.body);
    }
    const route = sessionRoute(url);
    if (route === 'redirect')
      return void res.writeHead(308, { location: `${url.pathname}/${url.search}` }).end();
    if (!route) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');

    const keys = this.o.keys();
    if (!keys) {
      refuse(res, 503, 'the gateway has no ticket keys yet; try again shortly');
      return;
    }
    const session = this.o.directory.session(route.namespace, route.name);
    const target = session && this.o.directory.target(session);
    if (route.ticket !== undefined) {
      this.redeem(res, route, keys, target);
      return;
    }

    const admitted = this.admit(req, route, keys, target);
    if (typeof admitted === 'string') {
      refuse(res, 403, admitted);
      return;
    }
    const { claims, target: t } = admitted;
    if (t.protocol === 'vnc') {
      if (route.rest !== '' && !route.rest.startsWith('?')) return void res.writeHead(404).end();
      return void res
        .writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
          'content-security-policy': this.pageSecurityPolicy(),
        })
        .end(vncPage(`${route.name} (${route.namespace})`));
    }
    const { token } = await this.o.directory.credentials(session as NonNullable<typeof session>);
    this.o.log.debug({ session: route.key, user: claims.user }, 'proxying');
    proxyHttp(req, res, { target: t, prefix: route.prefix, rest: route.rest, token });
  }

  private redeem(
    res: ServerResponse,
    route: SessionRoute,
    keys: Keyring,
    target: SessionTarget | undefined,
  ): void {
    const log = this.o.log.child({ session: route.key });
    if (!target) {
      const session = this.o.directory.session(route.namespace, route.name);
      this.o.connections.refusal('unknown', 'ticket');
      refuse(
        res,
        403,
        connectionRefusal(session, session?.spec.owner ?? '') ?? 'the gateway does not serve this session',
      );
      return;
    }
    const out = redeemTicket({
      keys,
      ticket: route.ticket ?? '',
      target: { namespace: route.namespace, name: route.name, protocol: target.protocol },
      redeemed: this.redeemed,
      lookup: (ns, n) => this.o.directory.session(ns, n),
      now: this.now(),
    });
    if (!out.ok) {
      log.info({ refusal: out.refusal }, 'ticket refused');
      this.o.connections.refusal(target.protocol, 'ticket');
      refuse(res, 403, out.refusal);
      return;
    }
    log.info({ user: out.value.user }, 'ticket redeemed');
    const cookie = setCookieHeader(
      keys,
      cookieFor(out.value, this.now()),
      route.prefix,
      this.o.publicUrl.protocol === 'https:',
    );
    // Off the URL at once, so the (spent) ticket stays out of history and Referer headers.
    res
      .writeHead(303, {
        location: route.prefix + route.rest,
        'set-cookie': cookie,
        'cache-control': 'no-store',
      })
      .end();
  }

  /** The cookie's claims and the session's target if the user may go on; otherwise why not. */
  private admit(
    req: IncomingMessage,
    route: SessionRoute,
    keys: Keyring,
    target: SessionTarget | undefined,
  ): { claims: CookieClaims; target: SessionTarget } | string {
    const claims = readCookie(keys, req.headers.cookie, route, this.now());
    if (!claims) {
      this.o.connections.refusal(target?.protocol ?? 'unknown', 'cookie');
      return 'no valid link for this session: open it from the dashboard';
    }
    const refusal = connectionRefusal(
      this.o.directory.session(route.namespace, route.name),
      claims.user,
      claims.uid,
    );
    if (refusal || !target || target.protocol !== claims.protocol) {
      this.o.log.info({ session: route.key, user: claims.user, refusal }, 'connection refused');
      this.o.connections.refusal(claims.protocol, 'session');
      return refusal ?? 'the session changed: open it again from the dashboard';
    }
    return { claims, target };
  }

  private async routeUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://gateway.invalid');
    const route = sessionRoute(url);
    if (!route || route === 'redirect') {
      refuseSocket(socket, 404, 'not found');
      return;
    }
    if (req.headers.origin !== this.o.publicUrl.origin) {
      this.o.connections.refusal('unknown', 'origin');
      refuseSocket(socket, 403, 'WebSocket from another origin');
      return;
    }
    const keys = this.o.keys();
    if (!keys) {
      refuseSocket(socket, 503, 'the gateway has no ticket keys yet');
      return;
    }
    const session = this.o.directory.session(route.namespace, route.name);
    const target = session && this.o.directory.target(session);
    const admitted = this.admit(req, route, keys, target);
    if (typeof admitted === 'string') {
      refuseSocket(socket, 403, admitted);
      return;
    }
    const { claims, target: t } = admitted;
    if (this.o.connections.openBy(claims.user) >= this.o.maxConnectionsPerUser) {
      this.o.connections.refusal(t.protocol, 'limit');
      refuseSocket(
        socket,
        429,
        `${claims.user} has ${String(this.o.maxConnectionsPerUser)} connections open already`,
      );
      return;
    }
    const secrets = await this.o.directory.credentials(session as NonNullable<typeof session>);
    const log = this.o.log.child({ session: route.key, user: claims.user, protocol: t.protocol });
    const track = () => this.o.connections.opened(route.key, claims.user, t.protocol, this.now());
    const input = () => {
      this.o.connections.input(route.key, this.now());
    };
    if (t.protocol === 'http') {
      this.upgraded.add(socket);
      socket.once('close', () => this.upgraded.delete(socket));
      proxyUpgrade(
        req,
        socket,
        head,
        { target: t, prefix: route.prefix, rest: route.rest, token: secrets.token },
        { onOpen: track, onInput: input },
      );
      return;
    }
    if (!route.rest.startsWith('websockify')) {
      refuseSocket(socket, 404, 'not found');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const closed = track();
      log.info('desktop connection opened');
      startVncTunnel({
        ws,
        host: t.host,
        port: t.port,
        password: secrets.vncPassword,
        log,
        keepaliveMs: this.o.keepaliveMs,
        onInput: input,
        onClose: () => {
          closed();
          log.info('desktop connection closed');
        },
      }).catch((err: unknown) => {
        log.warn({ err: (err as Error).message }, 'desktop connection failed');
      });
    });
  }

  private pageSecurityPolicy(): string {
    const origin = this.o.publicUrl.origin;
    const ws = origin.replace(/^http/, 'ws');
    return `default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self' ${ws}; frame-ancestors 'self'`;
  }
}
