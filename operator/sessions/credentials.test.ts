import { describe, expect, it } from 'vitest';
import { buildInput, session, vncImage } from './fixtures.ts';
import { generateSecret, randomCredentials } from './credentials.ts';

const decode = (value: string | undefined) => Buffer.from(value ?? '', 'base64').toString('utf8');

describe('randomCredentials', () => {
  it('gives a token of at least 128 bits and an 8-character VNC password, fresh every time', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const { token, vncPassword } = randomCredentials();
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 bits, base64url
      expect(vncPassword).toMatch(/^[A-HJ-NP-Za-km-z2-9]{8}$/);
      seen.add(token).add(vncPassword);
    }
    expect(seen.size).toBe(400);
  });
});

describe('generateSecret', () => {
  it('holds the Jupyter token for http sessions', () => {
    const secret = generateSecret(buildInput(), { token: 't0k3n' });
    expect(secret).toMatchObject({
      kind: 'Secret',
      type: 'Opaque',
      immutable: false,
      metadata: { name: 'daas-quick-look', namespace: 'proposal-mx-2451' },
    });
    expect(Object.keys(secret.data ?? {})).toEqual(['token']);
    expect(decode(secret.data?.['token'])).toBe('t0k3n');
  });

  it('adds the VNC password, at most 8 characters, for vnc sessions', () => {
    const input = buildInput({ image: vncImage, session: session('d', {}, 'xfce-desktop') });
    const secret = generateSecret(input, { token: 't', vncPassword: 'abcdefghij' });
    expect(decode(secret.data?.['password'])).toBe('abcdefgh');
    expect(() => generateSecret(input, { token: 't' })).toThrow(/vncPassword/);
  });
});
