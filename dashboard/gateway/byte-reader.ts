// Reads exact byte counts from a stream of chunks (TCP data, WebSocket messages): what a protocol
// handshake needs before the connection turns into a plain pipe.
export class ByteReader {
  private buffered: Buffer[] = [];
  private length = 0;
  private waiting: { n: number; resolve: (b: Buffer) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;

  push(chunk: Buffer): void {
    this.buffered.push(chunk);
    this.length += chunk.length;
    this.serve();
  }

  /** Ends every pending and later read with `error` (the connection closed). */
  fail(error: Error): void {
    this.failure ??= error;
    const w = this.waiting;
    this.waiting = undefined;
    w?.reject(this.failure);
  }

  read(n: number): Promise<Buffer> {
    if (this.waiting) return Promise.reject(new Error('one read at a time'));
    return new Promise((resolve, reject) => {
      this.waiting = { n, resolve, reject };
      this.serve();
    });
  }

  async readUint8(): Promise<number> {
    return (await this.read(1)).readUInt8(0);
  }

  async readUint32(): Promise<number> {
    return (await this.read(4)).readUInt32BE(0);
  }

  /** Whatever arrived beyond the reads so far (handed on once the handshake is over). */
  rest(): Buffer {
    const all = Buffer.concat(this.buffered);
    this.buffered = [];
    this.length = 0;
    return all;
  }

  private serve(): void {
    const w = this.waiting;
    if (!w) return;
    if (this.length < w.n) {
      if (this.failure) {
        this.waiting = undefined;
        w.reject(this.failure);
      }
      return;
    }
    const all = Buffer.concat(this.buffered);
    this.buffered = all.length > w.n ? [all.subarray(w.n)] : [];
    this.length = all.length - w.n;
    this.waiting = undefined;
    w.resolve(all.subarray(0, w.n));
  }
}
