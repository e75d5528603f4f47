// Reading the ticket keys from their Secret: what is accepted, and the words for what is not.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyringFromSecret } from './keyring-secret.ts';

const b64 = (b: Buffer) => b.toString('base64');

describe('ticket keys from a Secret', () => {
  it('reads the primary key, and the secondary one during a rotation', () => {
    const primary = randomBytes(32);
    const secondary = randomBytes(48);
    expect(keyringFromSecret({ data: { primary: b64(primary) } })).toEqual({ primary });
    expect(keyringFromSecret({ data: { primary: b64(primary), secondary: b64(secondary) } })).toEqual({
      primary,
      secondary,
    });
  });

  it('refuses a Secret without a primary key, and keys shorter than 256 bits', () => {
    expect(() => keyringFromSecret({ data: {} })).toThrow('the Secret has no key primary');
    expect(() => keyringFromSecret({ data: { primary: b64(randomBytes(16)) } })).toThrow(
      'key primary has 16 bytes; at least 32 are needed',
    );
    expect(() =>
      keyringFromSecret({ data: { primary: b64(randomBytes(32)), secondary: b64(randomBytes(8)) } }),
    ).toThrow('key secondary has 8 bytes');
  });
});
