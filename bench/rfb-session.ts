// One RFB client for the gateway benchmark, over any byte transport (a TCP socket straight to the
// desktop, or a WebSocket through the gateway): the handshake, then 1x1 framebuffer round trips.
import { ByteReader } from '../dashboard/gateway/byte-reader.ts';
import { authenticateToServer } from '../dashboard/gateway/rfb-handshake.ts';

export class RfbSession {
  readonly reader = new ByteReader();
  private readonly send: (data: Buffer) => void;
  private bytesPerPixel = 4;

  readonly name: string;

  constructor(name: string, send: (data: Buffer) => void) {
    this.name = name;
    this.send = send;
  }

  /** Handshake (VNC authentication with `password`, or None), ClientInit, ServerInit, Raw encoding. */
  async start(password: string | undefined): Promise<{ width: number; height: number }> {
    await authenticateToServer(this.reader, this.send, password);
    this.send(Buffer.from([1]));
    const init = await this.reader.read(24);
    await this.reader.read(init.readUInt32BE(20));
    this.bytesPerPixel = init.readUInt8(4) / 8;
    this.send(Buffer.from([2, 0, 0, 1, 0, 0, 0, 0]));
    return { width: init.readUInt16BE(0), height: init.readUInt16BE(2) };
  }

  /** Asks for one pixel (not incremental, so the server answers at once); resolves with the ms taken. */
  async roundTrip(x: number, y: number): Promise<number> {
    const request = Buffer.alloc(10);
    request.writeUInt8(3, 0);
    request.writeUInt16BE(x, 2);
    request.writeUInt16BE(y, 4);
    request.writeUInt16BE(1, 6);
    request.writeUInt16BE(1, 8);
    const started = process.hrtime.bigint();
    this.send(request);
    const stalled = setTimeout(() => {
      this.reader.fail(new Error(`no framebuffer update within 10 s (stream ${this.name})`));
    }, 10_000);
    const head = await this.reader.read(4);
    clearTimeout(stalled);
    if (head.readUInt8(0) !== 0) throw new Error(`unexpected server message ${String(head.readUInt8(0))}`);
    for (let i = 0; i < head.readUInt16BE(2); i++) {
      const rect = await this.reader.read(12);
      await this.reader.read(rect.readUInt16BE(4) * rect.readUInt16BE(6) * this.bytesPerPixel);
    }
    return Number(process.hrtime.bigint() - started) / 1e6;
  }
}
