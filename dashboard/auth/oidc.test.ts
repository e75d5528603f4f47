import { describe, expect, it } from 'vitest';
import { openPending, sealPending, type PendingSignIn } from './oidc.ts';
import { newSignIn, sealSignIn } from './session-cookie.ts';

const keys = { primary: Buffer.alloc(32, 7) };
const now = 5_000_000;
const pending: PendingSignIn = {
  kind: 'oidc-pending',
  state: 's',
  nonce: 'n',
  verifier: 'v',
  next: '/proposals',
  expiresAt: now + 600_000,
};

describe('the cookie of a sign-in in progress', () => {
  it('opens what it sealed until it is too old', () => {
    const value = sealPending(keys, pending);
    expect(openPending(keys, value, now)).toEqual(pending);
    expect(openPending(keys, value, now + 600_000)).toBeUndefined();
  });

  it('refuses another key, an altered cookie, and a sign-in cookie in its place', () => {
    const value = sealPending(keys, pending);
    expect(openPending({ primary: Buffer.alloc(32, 8) }, value, now)).toBeUndefined();
    const [, mac = ''] = value.split('.');
    const altered = Buffer.from(JSON.stringify({ ...pending, next: '//elsewhere' })).toString('base64url');
    expect(openPending(keys, `${altered}.${mac}`, now)).toBeUndefined();
    const signIn = sealSignIn(keys, newSignIn('ewilson', [], 'oidc', now, 60_000));
    expect(openPending(keys, signIn, now)).toBeUndefined();
    expect(openPending(keys, undefined, now)).toBeUndefined();
  });
});
