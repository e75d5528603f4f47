import { describe, expect, it } from 'vitest';
import { newSignIn, openSignIn, parseCookies, readCookie, sealSignIn, setCookie } from './session-cookie.ts';

const keys = { primary: Buffer.alloc(32, 1) };
const now = 1_000_000;

describe('the sign-in cookie', () => {
  it('opens what it sealed, until it expires', () => {
    const signIn = newSignIn('akowalska', ['daas:admins'], 'demo', now, 60_000);
    const value = sealSignIn(keys, signIn);
    expect(openSignIn(keys, value, now + 1)).toEqual(signIn);
    expect(openSignIn(keys, value, now + 60_000)).toBeUndefined();
  });

  it('refuses a forged or altered cookie, and one signed with another key', () => {
    const value = sealSignIn(keys, newSignIn('akowalska', [], 'demo', now, 60_000));
    const [body = '', mac = ''] = value.split('.');
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), user: 'admin' }),
    ).toString('base64url');
    expect(openSignIn(keys, `${forged}.${mac}`, now)).toBeUndefined();
    expect(openSignIn({ primary: Buffer.alloc(32, 2) }, value, now)).toBeUndefined();
    expect(openSignIn(keys, 'garbage', now)).toBeUndefined();
  });

  it('accepts the secondary key during a rotation', () => {
    const value = sealSignIn(keys, newSignIn('jdupont', [], 'demo', now, 60_000));
    expect(openSignIn({ primary: Buffer.alloc(32, 3), secondary: keys.primary }, value, now)?.user).toBe(
      'jdupont',
    );
  });

  it('writes HttpOnly, SameSite=Lax cookies, Secure only over TLS', () => {
    expect(setCookie('a', 'b', { secure: false, maxAgeSeconds: 60 })).toBe(
      'a=b; Path=/; HttpOnly; SameSite=Lax; Max-Age=60',
    );
    // Over TLS, __Host-: the browser takes it from this host only, never planted by a sibling origin.
    expect(setCookie('a', 'b', { secure: true, maxAgeSeconds: 0 })).toBe(
      '__Host-a=b; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure',
    );
    expect(readCookie('a=planted; __Host-a=mine', 'a', true)).toBe('mine');
    expect(readCookie('a=mine', 'a', false)).toBe('mine');
    expect(parseCookies('x=1; daas_dashboard=abc.def; x=2')).toEqual(
      new Map([
        ['x', '1'],
        ['daas_dashboard', 'abc.def'],
      ]),
    );
  });
});
