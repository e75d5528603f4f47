// DES and VNC authentication against published vectors (FIPS examples, and a VNC implementation's).
import { describe, expect, it } from 'vitest';
import { desEncrypt, vncAuthResponse, vncKey } from './vnc-auth.ts';

const hex = (s: string) => Buffer.from(s, 'hex');

describe('DES', () => {
  it('matches the classic worked example (key 133457799BBCDFF1)', () => {
    expect(desEncrypt(hex('133457799BBCDFF1'), hex('0123456789ABCDEF')).toString('hex')).toBe(
      '85e813540f0ab405',
    );
  });

  it('matches the NBS validation vector (key 0123456789ABCDEF, "Now is t")', () => {
    expect(desEncrypt(hex('0123456789ABCDEF'), Buffer.from('Now is t')).toString('hex')).toBe(
      '3fa40e8a984d4815',
    );
  });

  it('encrypts each block on its own (ECB) and refuses partial blocks or wrong key sizes', () => {
    const key = hex('133457799BBCDFF1');
    expect(desEncrypt(key, hex('0123456789ABCDEF0123456789ABCDEF')).toString('hex')).toBe(
      '85e813540f0ab40585e813540f0ab405',
    );
    expect(() => desEncrypt(key, Buffer.alloc(7))).toThrow(/8-byte blocks/);
    expect(() => desEncrypt(Buffer.alloc(7), Buffer.alloc(8))).toThrow(/8 bytes/);
  });
});

describe('VNC authentication', () => {
  it('mirrors the bits of each password byte and pads to 8 bytes', () => {
    // 'a' = 0x61 = 01100001 → 10000110 = 0x86
    expect(vncKey('a').toString('hex')).toBe('8600000000000000');
    expect(vncKey('abcdefghij')).toEqual(vncKey('abcdefgh'));
  });

  it('derives the key as vncpasswd does (its fixed key obfuscates "password" as dbd83cfd727a1458)', () => {
    const fixedKey = Buffer.from([23, 82, 107, 6, 35, 78, 88, 7]).toString('latin1');
    expect(vncKey(fixedKey).toString('hex')).toBe('e84ad660c4721ae0');
    expect(desEncrypt(vncKey(fixedKey), Buffer.from('password')).toString('hex')).toBe('dbd83cfd727a1458');
  });

  it('answers a 16-byte challenge block by block, and refuses other sizes', () => {
    const challenge = Buffer.from('passwordpassword');
    const fixedKey = Buffer.from([23, 82, 107, 6, 35, 78, 88, 7]).toString('latin1');
    expect(vncAuthResponse(fixedKey, challenge).toString('hex')).toBe('dbd83cfd727a1458dbd83cfd727a1458');
    expect(() => vncAuthResponse('pw', Buffer.alloc(8))).toThrow(/16 bytes/);
  });
});
