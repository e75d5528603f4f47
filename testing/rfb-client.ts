// A minimal RFB client over a WebSocket, as noVNC speaks it: the handshake (security type None
// only, as the gateway offers), ClientInit, ServerInit, and raw framebuffer reads of a rectangle.
// It records every byte the server sent, so tests can assert on what a browser would receive.
import WebSocket from 'ws';
import { ByteReader } from '../dashboard/gateway/byte-reader.ts';

export interface ServerInit {
  width: number;
  height: number;
  bitsPerPixel: number;
  bigEndian: boolean;
  redShift: number;
  greenShift: number;
  blueShift: number;
  name: string;
}

export class RfbClient {
  readonly ws: WebSocket;
  /** The security types the server offered. */
  offered: number[] = [];
  /** Everything received, in order. */
  readonly received: Buffer[] = [];
  private readonly reader = new ByteReader();
  private init: ServerInit | undefined;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data: Buffer) => {
      this.received.push(data);
      this.reader.push(data);
    });
    ws.on('close', () => {
      this.reader.fail(new Error('closed'));
    });
  }

  /** Opens the WebSocket; rejects with the HTTP status if the upgrade is refused. */
  static open(url: string, headers: Record<string, string>): Promise<RfbClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers });
      ws.once('unexpected-response', (_req, res) => {
        reject(new Error(`HTTP ${String(res.statusCode)}`));
      });
      ws.once('error', reject);
      ws.once('open', () => {
        resolve(new RfbClient(ws));
      });
    });
  }

  private send(bytes: Buffer | number[]): void {
    this.ws.send(Buffer.from(bytes));
  }

  /** Version, security (None), ClientInit (shared), ServerInit. */
  async handshake(): Promise<ServerInit> {
    const version = (await this.reader.read(12)).toString('latin1');
    if (version !== 'RFB 003.008\n') throw new Error(`unexpected version ${JSON.stringify(version)}`);
    this.send(Buffer.from(version, 'latin1'));
    const count = await this.reader.readUint8();
    this.offered = [...(await this.reader.read(count))];
    if (!this.offered.includes(1))
      throw new Error(`security type None not offered: ${this.offered.join(',')}`);
    this.send([1]);
    const result = await this.reader.readUint32();
    if (result !== 0) throw new Error(`security result ${String(result)}`);
    this.send([1]); // ClientInit: shared
    const head = await this.reader.read(24);
    const name = (await this.reader.read(head.readUInt32BE(20))).toString('utf8');
    this.init = {
      width: head.readUInt16BE(0),
      height: head.readUInt16BE(2),
      bitsPerPixel: head.readUInt8(4),
      bigEndian: head.readUInt8(6) !== 0,
      redShift: head.readUInt8(14),
      greenShift: head.readUInt8(15),
      blueShift: head.readUInt8(16),
      name,
    };
    return this.init;
  }

  /** Asks for one pixel in Raw encoding and returns its colour as #rrggbb (32 bpp true colour). */
  async pixel(x: number, y: number): Promise<string> {
    const init = this.init;
    if (!init || init.bitsPerPixel !== 32)
      throw new Error('pixel() needs a 32 bpp framebuffer after handshake()');
    this.send([2, 0, 0, 1, 0, 0, 0, 0]); // SetEncodings: Raw only
    const request = Buffer.alloc(10);
    request.writeUInt8(3, 0); // FramebufferUpdateRequest, not incremental
    request.writeUInt16BE(x, 2);
    request.writeUInt16BE(y, 4);
    request.writeUInt16BE(1, 6);
    request.writeUInt16BE(1, 8);
    this.send(request);
    for (;;) {
      const type = await this.reader.readUint8();
      if (type !== 0) throw new Error(`unexpected server message ${String(type)}`);
      await this.reader.read(1);
      const rects = (await this.reader.read(2)).readUInt16BE(0);
      let colour: string | undefined;
      for (let i = 0; i < rects; i++) {
        const r = await this.reader.read(12);
        const [w, h, encoding] = [r.readUInt16BE(4), r.readUInt16BE(6), r.readInt32BE(8)];
        if (encoding !== 0) throw new Error(`unexpected encoding ${String(encoding)}`);
        const pixels = await this.reader.read(w * h * 4);
        const v = init.bigEndian ? pixels.readUInt32BE(0) : pixels.readUInt32LE(0);
        const byte = (shift: number) => ((v >> shift) & 0xff).toString(16).padStart(2, '0');
        colour ??= `#${byte(init.redShift)}${byte(init.greenShift)}${byte(init.blueShift)}`;
      }
      if (colour) return colour;
    }
  }

  /** Presses and releases a key (an X keysym, e.g. 0x71 for q). */
  key(keysym: number): void {
    for (const down of [1, 0]) {
      const event = Buffer.alloc(8);
      event.writeUInt8(4, 0);
      event.writeUInt8(down, 1);
      event.writeUInt32BE(keysym, 4);
      this.send(event);
    }
  }

  close(): void {
    this.ws.close();
  }
}
