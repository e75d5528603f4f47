// Benchmark: what the gateway's VNC tunnel adds. A real Xtigervnc on a loopback address serves N
// concurrent desktop streams, first straight over TCP (the floor), then through the gateway (a
// WebSocket each, security type None towards the client, VNC authentication towards the desktop),
// in the same run. Streams are opened one by one, then each makes sequential 1x1-pixel framebuffer
// round trips, all streams at once; the gateway runs in
// its own process, so its memory per open connection is its own.
// Usage: npm run bench:gateway [-- --streams=50 --round-trips=200]
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { startVncDesktop } from '../testing/vnc.ts';
import { median, percentile } from './common.ts';
import { RfbSession } from './rfb-session.ts';

const { values } = parseArgs({
  options: { streams: { type: 'string', default: '50' }, 'round-trips': { type: 'string', default: '200' } },
});
const streams = Number(values.streams);
const roundTrips = Number(values['round-trips']);
const VNC_HOST = '127.77.0.10';
const VNC_PORT = 20000 + Math.floor(Math.random() * 20000);
const password = randomBytes(6).toString('base64url').slice(0, 8);

async function overTcp(): Promise<{ session: RfbSession; close: () => void }> {
  const socket = connect({ host: VNC_HOST, port: VNC_PORT, noDelay: true });
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const session = new RfbSession('direct', (data) => socket.write(data));
  socket.on('data', (chunk: Buffer) => {
    session.reader.push(chunk);
  });
  await session.start(password);
  return { session, close: () => socket.destroy() };
}

async function overGateway(
  port: number,
  cookie: string,
): Promise<{ session: RfbSession; close: () => void }> {
  const origin = `http://127.0.0.1:${String(port)}`;
  const ws = new WebSocket(`ws://127.0.0.1:${String(port)}/sessions/bench/desktop/websockify`, {
    headers: { cookie, origin },
  });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const session = new RfbSession('gateway', (data) => {
    ws.send(data);
  });
  ws.on('message', (data: Buffer) => {
    session.reader.push(data);
  });
  await session.start(undefined);
  return {
    session,
    close: () => {
      ws.close();
    },
  };
}

/** Every stream's round trips, all streams at once; returns every latency in ms. */
async function measure(sessions: RfbSession[]): Promise<number[]> {
  const all: number[] = [];
  await Promise.all(
    sessions.map(async (s, i) => {
      for (let n = 0; n < roundTrips; n++) all.push(await s.roundTrip((i * 7 + n) % 1000, (i * 3) % 700));
    }),
  );
  return all;
}

/** Opens `n` streams one after another: Xtigervnc stalls handshakes that arrive all at once. */
async function openStreams<T>(n: number, open: () => Promise<T>): Promise<T[]> {
  const opened: T[] = [];
  for (let i = 0; i < n; i++) opened.push(await open());
  return opened;
}

const fmt = (ms: number) => `${ms.toFixed(3)} ms`;
// TigerVNC blacklists an address after 5 authentications at once (every stream comes from one address).
const desktop = await startVncDesktop({
  ip: VNC_HOST,
  port: VNC_PORT,
  password,
  name: 'bench',
  extraArgs: ['-BlacklistThreshold', '100000'],
});
const child = fork(new URL('./gateway-server.ts', import.meta.url), [], {
  env: { ...process.env, VNC_HOST, VNC_PORT: String(VNC_PORT), VNC_PASSWORD: password },
  execArgv: ['--expose-gc'],
});
const ask = <T>(message?: string) =>
  new Promise<T>((resolve) => {
    child.once('message', (m) => {
      resolve(m as T);
    });
    if (message) child.send(message);
  });
try {
  const { port, cookie } = await ask<{ port: number; cookie: string }>();
  // Warm up both paths once.
  for (const open of [overTcp, () => overGateway(port, cookie)]) {
    const warm = await open();
    await measure([warm.session]);
    warm.close();
  }
  const direct = await openStreams(streams, overTcp);
  const directMs = await measure(direct.map((d) => d.session));
  for (const d of direct) d.close();

  const before = await ask<{ rss: number; heap: number }>('memory');
  const tunnelled = await openStreams(streams, () => overGateway(port, cookie));
  const gatewayMs = await measure(tunnelled.map((t) => t.session));
  const after = await ask<{ rss: number; heap: number }>('memory');
  for (const t of tunnelled) t.close();

  const row = (name: string, ms: number[]) =>
    `  ${name.padEnd(16)} median ${fmt(median(ms))}   p99 ${fmt(percentile(ms, 99))}`;
  const perConnection = (bytes: number) => `${(bytes / streams / 1024).toFixed(0)} KiB`;
  process.stdout.write(
    [
      `gateway VNC tunnel: ${String(streams)} concurrent streams × ${String(roundTrips)} framebuffer round trips (Xtigervnc on ${VNC_HOST})`,
      row('direct TCP', directMs),
      row('through gateway', gatewayMs),
      `  added            median ${fmt(median(gatewayMs) - median(directMs))}   p99 ${fmt(percentile(gatewayMs, 99) - percentile(directMs, 99))}`,
      `  gateway memory per open connection: ${perConnection(after.rss - before.rss)} RSS, ${perConnection(after.heap - before.heap)} heap+external`,
      '',
    ].join('\n'),
  );
} finally {
  child.disconnect();
  await desktop.stop();
}
