// The gateway process of `npm run bench:gateway`: the real Gateway class with a stand-in for its
// session directory (one Running desktop session at the address and password given in the
// environment, instead of the watch caches), so the benchmark measures the tunnel and nothing else.
// Tells its parent its port and a cookie; answers "memory" with its memory use after a collection.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import type { AnalysisSession } from '../crds/index.ts';
import { Connections } from '../dashboard/gateway/connections.ts';
import { Gateway } from '../dashboard/gateway/gateway.ts';
import { newRegistry } from '../runtime/metrics.ts';

const { VNC_HOST = '', VNC_PORT = '0', VNC_PASSWORD = '' } = process.env;
const session = {
  apiVersion: 'daas.calipsoplus.eu/v1alpha1',
  kind: 'AnalysisSession',
  metadata: { name: 'desktop', namespace: 'bench', uid: 'bench-uid' },
  spec: { image: 'desktop', owner: 'bench', proposal: 'BENCH-1' },
  status: { phase: 'Running', endpoint: { protocol: 'vnc', host: VNC_HOST, port: Number(VNC_PORT) } },
} as AnalysisSession;
const keys = { primary: randomBytes(32) };
const server = createServer();
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = (server.address() as AddressInfo).port;
const gateway = new Gateway({
  directory: {
    session: () => session,
    target: () => ({ protocol: 'vnc', host: VNC_HOST, port: Number(VNC_PORT), basePath: '/' }),
    credentials: () => Promise.resolve({ token: undefined, vncPassword: VNC_PASSWORD }),
  },
  keys: () => keys,
  publicUrl: new URL(`http://127.0.0.1:${String(port)}/`),
  connections: new Connections(newRegistry()),
  log: pino({ level: 'warn' }),
  maxConnectionsPerUser: 1000,
  keepaliveMs: 30_000,
});
server.on('request', gateway.handle);
server.on('upgrade', gateway.upgrade);
const issued = gateway.issue('bench', 'bench', 'desktop');
if (!issued.ok) throw new Error(issued.refusal);
const redeemed = await fetch(issued.value.url, { redirect: 'manual' });
const cookie = redeemed.headers.get('set-cookie')?.split(';')[0] ?? '';

process.on('message', (message) => {
  if (message !== 'memory') return;
  globalThis.gc?.();
  const m = process.memoryUsage();
  process.send?.({ rss: m.rss, heap: m.heapUsed + m.external });
});
process.on('disconnect', () => process.exit(0));
process.send?.({ port, cookie });
