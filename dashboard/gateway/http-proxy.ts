// The reverse proxy to a session's HTTP server (Jupyter), for requests and WebSocket upgrades. It
// adds the session's token server-side (Authorization: token …) and scrubs it from text answers
// (Jupyter writes it into its pages) and Jupyter's login cookie, so the browser never holds it; drops
// the gateway's own cookie and any Authorization the browser sent, and maps the gateway's path
// prefix onto the server's base path (including in redirects).
import { request, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { withoutGatewayCookie } from './cookies.ts';
import type { SessionTarget } from './directory.ts';
import { isText, SecretScrubber } from './scrub.ts';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

export interface ProxyRoute {
  target: SessionTarget;
  /** The gateway's path for the session, e.g. /sessions/<namespace>/<name>/ */
  prefix: string;
  /** The request's path after the prefix, with its query. */
  rest: string;
  token: string | undefined;
}

function upstreamHeaders(
  req: IncomingMessage,
  route: ProxyRoute,
  upgrade: boolean,
): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name === 'cookie' || name === 'authorization') continue;
    if (!upgrade && HOP_BY_HOP.has(name)) continue;
    headers[name] = value;
  }
  const cookie = withoutGatewayCookie(req.headers.cookie);
  if (cookie) headers.cookie = cookie;
  if (route.token) {
    headers.authorization = `token ${route.token}`;
    // Uncompressed answers, so that the token can be scrubbed from the pages (inside the cluster).
    if (!upgrade) delete headers['accept-encoding'];
  }
  headers['x-forwarded-for'] = req.socket.remoteAddress ?? '';
  headers['x-forwarded-host'] = req.headers.host ?? '';
  headers['x-forwarded-prefix'] = route.prefix;
  return headers;
}

/** A redirect to the server's base path becomes one to the gateway's prefix; none leads to the pod. */
export function rewriteLocation(location: string, route: ProxyRoute): string {
  const { basePath, host, port } = route.target;
  // A location on the pod itself loses its origin: the browser can only reach the gateway.
  const local = location.replace(new RegExp(`^https?://${host.replaceAll('.', '\\.')}:${String(port)}`), '');
  return local.startsWith(basePath) ? route.prefix + local.slice(basePath.length) : local;
}

/**
 * Jupyter answers a token-authenticated request with its own login cookie (`username-<host>-<port>`),
 * a credential of its own: the browser gets none, since the gateway authenticates every request.
 */
const JUPYTER_LOGIN_COOKIE = /^username-[^=]*=/;

function responseHeaders(headers: IncomingHttpHeaders, route: ProxyRoute): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    if (name === 'set-cookie' && Array.isArray(value)) {
      const kept = value.filter((cookie) => !JUPYTER_LOGIN_COOKIE.test(cookie));
      if (kept.length) out[name] = kept;
      continue;
    }
    out[name] = name === 'location' && typeof value === 'string' ? rewriteLocation(value, route) : value;
  }
  return out;
}

const upstreamPath = (route: ProxyRoute) => route.target.basePath + route.rest;

export function proxyHttp(req: IncomingMessage, res: ServerResponse, route: ProxyRoute): void {
  const upstream = request(
    {
      host: route.target.host,
      port: route.target.port,
      method: req.method,
      path: upstreamPath(route),
      headers: upstreamHeaders(req, route, false),
    },
    (answer) => {
      const headers = responseHeaders(answer.headers, route);
      const scrub =
        route.token && isText(answer.headers['content-type']) && !answer.headers['content-encoding'];
      if (!scrub || !route.token) {
        res.writeHead(answer.statusCode ?? 502, headers);
        answer.pipe(res);
        return;
      }
      // The length changes where the token is removed.
      delete headers['content-length'];
      res.writeHead(answer.statusCode ?? 502, headers);
      answer.pipe(new SecretScrubber(route.token)).pipe(res);
    },
  );
  upstream.on('error', (err) => {
    if (!res.headersSent)
      res
        .writeHead(502, { 'content-type': 'text/plain' })
        .end(`the session did not answer: ${err.message}\n`);
    else res.destroy();
  });
  req.pipe(upstream);
}

/**
 * Proxies a WebSocket upgrade. `onOpen` is called once the server accepted it and returns the
 * function called when it closes; `onInput` for every chunk the browser sends.
 */
export function proxyUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  route: ProxyRoute,
  events: { onOpen: () => () => void; onInput: () => void },
): void {
  const upstream = request({
    host: route.target.host,
    port: route.target.port,
    method: 'GET',
    path: upstreamPath(route),
    headers: upstreamHeaders(req, route, true),
  });
  upstream.on('upgrade', (answer, upstreamSocket, upstreamHead) => {
    const lines = [`HTTP/1.1 101 ${answer.statusMessage ?? 'Switching Protocols'}`];
    for (let i = 0; i < answer.rawHeaders.length; i += 2)
      lines.push(`${answer.rawHeaders[i] ?? ''}: ${answer.rawHeaders[i + 1] ?? ''}`);
    socket.write(lines.join('\r\n') + '\r\n\r\n');
    if (upstreamHead.length) socket.write(upstreamHead);
    if (head.length) upstreamSocket.write(head);
    const closed = events.onOpen();
    const end = () => {
      closed();
      socket.destroy();
      upstreamSocket.destroy();
    };
    upstreamSocket.on('error', end).on('close', end);
    socket.on('error', end).on('close', end);
    upstreamSocket.pipe(socket).pipe(upstreamSocket);
    socket.on('data', events.onInput);
  });
  upstream.on('response', (answer) => {
    // The server refused the upgrade: hand its answer on and close.
    socket.end(
      `HTTP/1.1 ${String(answer.statusCode ?? 502)} ${answer.statusMessage ?? ''}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`,
    );
    answer.resume();
  });
  upstream.on('error', () => {
    socket.end('HTTP/1.1 502 Bad Gateway\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
  });
  upstream.end();
}
