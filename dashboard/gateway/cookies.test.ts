// The gateway cookie: what the browser is given, and when it no longer lets anyone in.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { COOKIE_TTL_MS, cookieFor, readCookie, setCookieHeader, withoutGatewayCookie } from './cookies.ts';
import type { TicketClaims } from './tickets.ts';

const keys = { primary: randomBytes(32) };
const NOW = 1_800_000_000_000;
const claims: TicketClaims = {
  id: 'x',
  user: 'akowalska',
  namespace: 'p',
  name: 's',
  uid: 'u',
  protocol: 'vnc',
  expiresAt: NOW + 60_000,
};
const target = { namespace: 'p', name: 's' };

function cookieHeader(path = '/sessions/p/s/', secure = true) {
  return setCookieHeader(keys, cookieFor(claims, NOW), path, secure);
}

describe('gateway cookie', () => {
  it('is HttpOnly, SameSite=Strict, Secure on https and scoped to the session path', () => {
    const header = cookieHeader();
    expect(header).toMatch(
      /^daas_gateway=[\w-]+\.[\w-]+; Path=\/sessions\/p\/s\/; Max-Age=43200; HttpOnly; SameSite=Strict; Secure$/,
    );
    expect(cookieHeader('/x/', false)).not.toContain('Secure');
  });

  it('reads back the user and session it was made for, among other cookies', () => {
    const value = cookieHeader().split(';')[0] ?? '';
    const header = `_xsrf=abc; ${value}; theme=dark`;
    expect(readCookie(keys, header, target, NOW)).toMatchObject({
      user: 'akowalska',
      uid: 'u',
      protocol: 'vnc',
    });
    expect(withoutGatewayCookie(header)).toBe('_xsrf=abc; theme=dark');
    expect(withoutGatewayCookie(value)).toBeUndefined();
  });

  it('lets nobody in for another session, after it expires, or when signed with another key', () => {
    const value = cookieHeader().split(';')[0] ?? '';
    expect(readCookie(keys, value, { namespace: 'p', name: 'other' }, NOW)).toBeUndefined();
    expect(readCookie(keys, value, target, NOW + COOKIE_TTL_MS)).toBeUndefined();
    expect(readCookie({ primary: randomBytes(32) }, value, target, NOW)).toBeUndefined();
    expect(readCookie(keys, undefined, target, NOW)).toBeUndefined();
  });
});
