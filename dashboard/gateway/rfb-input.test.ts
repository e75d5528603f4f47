// Which browser traffic counts as a user's input to a desktop.
import { describe, expect, it } from 'vitest';
import { RfbInputDetector } from './rfb-input.ts';

const keyEvent = Buffer.from([4, 1, 0, 0, 0, 0, 0, 0x71]);
const pointer = Buffer.from([5, 0, 0, 10, 0, 20]);
const updateRequest = Buffer.from([3, 1, 0, 0, 0, 0, 4, 0, 3, 0]);
const setEncodings = Buffer.from([2, 0, 0, 2, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x21]);
const fence = Buffer.from([248, 0, 0, 0, 0, 0, 0, 0, 2, 0xaa, 0xbb]);

const clientInit = Buffer.from([1]);

/** A detector past ClientInit. */
function detector(): RfbInputDetector {
  const d = new RfbInputDetector();
  d.feed(clientInit);
  return d;
}

describe('RFB input detection', () => {
  it('skips ClientInit, which comes first, even packed with the next message', () => {
    const d = new RfbInputDetector();
    expect(d.feed(Buffer.concat([clientInit, setEncodings]))).toBe(false);
    expect(d.feed(updateRequest)).toBe(false);
  });

  it('counts keys, pointer and clipboard as input, and not what noVNC sends by itself', () => {
    const d = detector();
    expect(d.feed(Buffer.concat([setEncodings, updateRequest, fence, updateRequest]))).toBe(false);
    expect(d.feed(keyEvent)).toBe(true);
    expect(d.feed(updateRequest)).toBe(false);
    expect(d.feed(pointer)).toBe(true);
    const clipboard = Buffer.concat([Buffer.from([6, 0, 0, 0, 0, 0, 0, 3]), Buffer.from('abc')]);
    expect(d.feed(clipboard)).toBe(true);
    expect(d.feed(updateRequest)).toBe(false);
  });

  it('follows messages split across and packed into frames', () => {
    const d = detector();
    const stream = Buffer.concat([updateRequest, keyEvent, updateRequest]);
    expect(d.feed(stream.subarray(0, 13))).toBe(false); // the key event is not complete yet
    expect(d.feed(stream.subarray(13, 18))).toBe(true);
    expect(d.feed(stream.subarray(18))).toBe(false);
  });

  it('counts everything as input after a message type it does not know', () => {
    const d = detector();
    expect(d.feed(Buffer.from([99, 1, 2, 3]))).toBe(true);
    expect(d.feed(updateRequest)).toBe(true);
  });
});
