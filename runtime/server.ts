// The metrics endpoint and the health probes, on plain node:http (two routes need no framework).
// /healthz is liveness (the event loop answers); /readyz is readiness (caches have synced).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface Routes {
  registry?: Registry;
  ready?: () => boolean;
}

export interface Listening {
  server: Server;
  port: number;
  close(): Promise<void>;
}

/** Parses "host:port", ":port" (all interfaces) or "port". */
export function parseAddress(address: string): { host: string | undefined; port: number } {
  const colon = address.lastIndexOf(':');
  const host = colon > 0 ? address.slice(0, colon).replace(/^\[|\]$/g, '') : undefined;
  const port = Number(colon >= 0 ? address.slice(colon + 1) : address);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`"${address}" is not a valid address`);
  return { host, port };
}

export async function serve(address: string, routes: Routes): Promise<Listening> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    if (path === '/metrics' && routes.registry) {
      const registry = routes.registry;
      registry.metrics().then(
        (text) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
    } else if (path === '/healthz' || path === '/livez') {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
    } else if (path === '/readyz' && routes.ready) {
      const ready = routes.ready();
      res
        .writeHead(ready ? 200 : 503, { 'Content-Type': 'text/plain' })
        .end(ready ? 'ok' : 'caches not synced');
    } else {
      res.writeHead(404).end();
    }
  });
  return listen(server, address);
}

/** Starts `server` on `address` ("host:port"); resolves once it listens, rejects if it cannot. */
export async function listen(server: Server, address: string): Promise<Listening> {
  const { host, port } = parseAddress(address);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}
