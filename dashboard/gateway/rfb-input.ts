// Finds user input in what a browser sends a desktop: RFB client messages are parsed one after another
// (whatever WebSocket frames they arrive in) and key, pointer and clipboard events count as input;
// framebuffer update requests, encodings and fences, which noVNC sends on its own, do not. On a
// message type it does not know, the parser gives up and counts everything from then on as input,
// so a desktop is never culled because the gateway misread its traffic.

/** Fixed sizes of client messages by type; the variable ones are measured in messageLength. */
const FIXED: Record<number, number> = {
  0: 20, // SetPixelFormat
  3: 10, // FramebufferUpdateRequest
  4: 8, // KeyEvent
  5: 6, // PointerEvent
  150: 10, // EnableContinuousUpdates
  250: 4, // xvp
};
const INPUT_TYPES = new Set([4, 5, 6, 255]);

/** The length of the message at the start of `b`, undefined if more bytes are needed, NaN if unknown. */
function messageLength(b: Buffer): number | undefined {
  const type = b.readUInt8(0);
  const fixed = FIXED[type];
  if (fixed !== undefined) return b.length >= fixed ? fixed : undefined;
  switch (type) {
    case 2: // SetEncodings: 4 + 4 per encoding
      return b.length >= 4 ? 4 + 4 * b.readUInt16BE(2) : undefined;
    case 6: // ClientCutText: 8 + |length| (negative: extended clipboard)
      return b.length >= 8 ? 8 + Math.abs(b.readInt32BE(4)) : undefined;
    case 248: // ClientFence: 9 + payload
      return b.length >= 9 ? 9 + b.readUInt8(8) : undefined;
    case 251: // SetDesktopSize: 8 + 16 per screen
      return b.length >= 8 ? 8 + 16 * b.readUInt8(6) : undefined;
    case 255: // QEMU extended key event
      return b.length >= 2 ? (b.readUInt8(1) === 0 ? 12 : Number.NaN) : undefined;
    default:
      return Number.NaN;
  }
}

export class RfbInputDetector {
  private pending = Buffer.alloc(0);
  private lost = false;
  /** ClientInit (one byte, the shared flag) comes first and is no message. */
  private skip = 1;

  /** Feeds bytes the browser sent after the security handshake; true if they hold user input. */
  feed(chunk: Buffer): boolean {
    if (this.lost) return true;
    if (this.skip > 0) {
      const skipped = Math.min(this.skip, chunk.length);
      this.skip -= skipped;
      chunk = chunk.subarray(skipped);
    }
    let b = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let input = false;
    while (b.length > 0) {
      const length = messageLength(b);
      if (length === undefined) break;
      if (Number.isNaN(length)) {
        this.lost = true;
        this.pending = Buffer.alloc(0);
        return true;
      }
      if (b.length < length) break;
      if (INPUT_TYPES.has(b.readUInt8(0))) input = true;
      b = b.subarray(length);
    }
    this.pending = Buffer.from(b);
    return input;
  }
}
