import { describe, expect, it } from 'vitest';
import { buildInput, session, vncImage } from './fixtures.ts';
import {
  chooseCredentials,
  credentialsFingerprint,
  deriveCredentials,
  generateSecret,
} from './credentials.ts';

const decode = (value: string | undefined) => Buffer.from(value ?? '', 'base64').toString('utf8');

describe('deriveCredentials', () => {
  const key = Buffer.alloc(32, 7);

  it('gives a 256-bit token and, for vnc, an 8-character password: the same for a session, different across sessions', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const { token, vncPassword } = deriveCredentials(key, `uid-${String(i)}`, 'vnc');
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 bits, base64url
      expect(vncPassword).toMatch(/^[A-HJ-NP-Za-km-z2-9]{8}$/);
      seen.add(token).add(vncPassword ?? '');
    }
    expect(seen.size).toBe(400);
    expect(deriveCredentials(key, 'uid-1', 'vnc')).toEqual(deriveCredentials(key, 'uid-1', 'vnc'));
  });

  it('depends on the key, and gives no password to other protocols', () => {
    const a = deriveCredentials(key, 'uid', 'http');
    expect(a.vncPassword).toBeUndefined();
    expect(deriveCredentials(Buffer.alloc(32, 8), 'uid', 'http').token).not.toBe(a.token);
  });
});

describe('chooseCredentials', () => {
  const derived = { token: 'derived' };
  const older = { token: 'older' };
  const running = (c: { token: string } | undefined) => ({
    fingerprint: c ? credentialsFingerprint(c) : undefined,
  });

  it('uses the derived credentials for a new start', () => {
    expect(chooseCredentials({ derived, secret: older, workload: undefined })).toEqual({
      credentials: derived,
      restartWorkload: false,
    });
  });

  it('restores the derived credentials a running workload started with, whatever the Secret holds now', () => {
    for (const secret of [undefined, older])
      expect(chooseCredentials({ derived, secret, workload: running(derived) })).toEqual({
        credentials: derived,
        restartWorkload: false,
      });
  });

  it("keeps the Secret's credentials while a workload that started with them runs", () => {
    expect(chooseCredentials({ derived, secret: older, workload: running(older) }).credentials).toBe(older);
    // A pod from before fingerprints: the Secret is what it read.
    expect(chooseCredentials({ derived, secret: older, workload: running(undefined) })).toEqual({
      credentials: older,
      restartWorkload: false,
    });
  });

  it('restarts a workload whose credentials are lost', () => {
    for (const workload of [running(older), running(undefined)])
      expect(chooseCredentials({ derived, secret: undefined, workload })).toEqual({
        credentials: derived,
        restartWorkload: true,
      });
    expect(chooseCredentials({ derived, secret: { token: 'edited' }, workload: running(older) })).toEqual({
      credentials: derived,
      restartWorkload: true,
    });
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
