// Plain-text refusals, for HTTP answers and for WebSocket upgrades refused before any handshake.
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

export function pathOnly(req: IncomingMessage): string {
  return (req.url ?? '/').split('?')[0] ?? '/';
}

export function refuse(res: ServerResponse, status: number, message: string): void {
  res
    .writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' })
    .end(`${message}\n`);
}

export function refuseSocket(socket: Duplex, status: number, message: string): void {
  const body = `${message}\n`;
  const reason = STATUS_CODES[status] ?? 'Error';
  socket.end(
    `HTTP/1.1 ${String(status)} ${reason}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${String(Buffer.byteLength(body))}\r\nconnection: close\r\n\r\n${body}`,
  );
}
