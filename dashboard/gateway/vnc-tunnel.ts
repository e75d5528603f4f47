// A browser's WebSocket tunnelled to a session's VNC server over TCP. The gateway authenticates to
// the server with the session's password and offers the browser an unauthenticated stream, so the
// password never leaves the cluster. Dead browsers are found by WebSocket pings.
import { connect, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import { ByteReader } from './byte-reader.ts';
import { authenticateToServer, greetBrowser } from './rfb-handshake.ts';
import { RfbInputDetector } from './rfb-input.ts';

export interface TunnelOptions {
  ws: WebSocket;
  host: string;
  port: number;
  password: string | undefined;
  log: Logger;
  /** Called when the browser sends user input (keys, pointer, clipboard), not for noVNC's own requests. */
  onInput?: () => void;
  onClose?: () => void;
  keepaliveMs?: number;
  connectTimeoutMs?: number;
}

const HIGH_WATER = 1024 * 1024;
const LOW_WATER = 256 * 1024;

const toBuffer = (data: Buffer | ArrayBuffer | Buffer[]): Buffer =>
  Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);

/** Starts the tunnel; resolves once both handshakes are done (or rejects and closes both ends). */
export async function startVncTunnel(options: TunnelOptions): Promise<void> {
  const { ws, log } = options;
  const fromBrowser = new ByteReader();
  const fromServer = new ByteReader();
  let piping = false;
  let tcp: Socket | undefined;
  let closed = false;
  const close = (why: string, code = 1000) => {
    if (closed) return;
    closed = true;
    clearInterval(keepalive);
    fromBrowser.fail(new Error(why));
    fromServer.fail(new Error(why));
    tcp?.destroy();
    if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, why.slice(0, 120));
    options.onClose?.();
  };

  let alive = true;
  ws.on('pong', () => (alive = true));
  const keepalive = setInterval(() => {
    if (!alive) {
      log.info('browser stopped answering pings; closing the tunnel');
      ws.terminate();
      close('keepalive timeout', 1001);
      return;
    }
    alive = false;
    ws.ping();
  }, options.keepaliveMs ?? 30_000);

  const input = new RfbInputDetector();
  ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
    const chunk = toBuffer(data);
    if (piping && tcp) {
      if (input.feed(chunk)) options.onInput?.();
      if (!tcp.write(chunk)) ws.pause();
    } else fromBrowser.push(chunk);
  });
  ws.on('close', () => {
    close('browser closed');
  });
  ws.on('error', () => {
    close('browser error');
  });

  try {
    tcp = await new Promise<Socket>((resolve, reject) => {
      const socket = connect({ host: options.host, port: options.port, noDelay: true });
      socket.setTimeout(options.connectTimeoutMs ?? 10_000, () => socket.destroy(new Error('timed out')));
      socket.once('connect', () => {
        socket.setTimeout(0);
        resolve(socket);
      });
      socket.once('error', reject);
    });
  } catch (err) {
    close(`cannot reach the desktop: ${(err as Error).message}`, 1011);
    throw err;
  }
  const server = tcp;
  server.on('data', (chunk: Buffer) => {
    if (!piping) {
      fromServer.push(chunk);
      return;
    }
    // Back-pressure: a slow browser pauses the desktop's stream instead of filling the gateway's memory.
    ws.send(chunk, { binary: true }, () => {
      if (server.isPaused() && ws.bufferedAmount < LOW_WATER) server.resume();
    });
    if (ws.bufferedAmount > HIGH_WATER) server.pause();
  });
  server.on('drain', () => {
    ws.resume();
  });
  server.on('close', () => {
    close('the desktop closed the connection');
  });
  server.on('error', () => {
    close('the desktop connection failed', 1011);
  });
  const send = (data: Buffer) => {
    ws.send(data, { binary: true });
  };

  try {
    await authenticateToServer(fromServer, (data) => server.write(data), options.password);
    await greetBrowser(fromBrowser, send);
  } catch (err) {
    close((err as Error).message, 1011);
    throw err;
  }
  piping = true;
  const early = fromBrowser.rest();
  if (early.length) {
    if (input.feed(early)) options.onInput?.();
    server.write(early);
  }
  const pending = fromServer.rest();
  if (pending.length) send(pending);
}
