// The token scrubber: whatever chunks a page arrives in, the token is gone and nothing else changes.
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { SecretScrubber, isText } from './scrub.ts';

const secret = 'Zx9-token-_secret';

async function scrub(chunks: string[]): Promise<string> {
  return text(Readable.from(chunks.map((c) => Buffer.from(c))).pipe(new SecretScrubber(secret)));
}

describe('secret scrubbing', () => {
  it('removes every occurrence, also across chunk boundaries, and leaves the rest byte for byte', async () => {
    const page = `<body data-jupyter-api-token="${secret}"> ünïcödé {"token": "${secret}"} ${secret}`;
    const expected = '<body data-jupyter-api-token=""> ünïcödé {"token": ""} ';
    expect(await scrub([page])).toBe(expected);
    for (const size of [1, 3, 7, 16]) {
      const bytes = Buffer.from(page);
      const chunks: string[] = [];
      for (let i = 0; i < bytes.length; i += size)
        chunks.push(bytes.subarray(i, i + size).toString('latin1'));
      const out = await text(
        Readable.from(chunks.map((c) => Buffer.from(c, 'latin1'))).pipe(new SecretScrubber(secret)),
      );
      expect(out).toBe(expected);
    }
  });

  it('passes text without the secret unchanged, including a prefix of it at the end', async () => {
    expect(await scrub(['hello ', 'Zx9-tok'])).toBe('hello Zx9-tok');
  });

  it('scrubs text responses only', () => {
    expect(isText('text/html; charset=UTF-8')).toBe(true);
    expect(isText('application/json')).toBe(true);
    expect(isText('application/javascript')).toBe(true);
    expect(isText('image/png')).toBe(false);
    expect(isText(undefined)).toBe(false);
  });
});
