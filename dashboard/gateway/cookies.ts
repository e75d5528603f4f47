// The cookie a redeemed ticket turns into: signed, HttpOnly, SameSite=Strict, scoped to the session's
// path, bound to one user and one session (UID). The browser never holds a session's own secrets.
import type { GatewayProtocol, TicketClaims } from './tickets.ts';
import { sign, verify, type Keyring } from './signing.ts';

export const COOKIE_NAME = 'daas_gateway';
/** How long a browser stays let in without a new ticket (the live session is checked on every request). */
export const COOKIE_TTL_MS = 12 * 3600_000;

export interface CookieClaims {
  user: string;
  namespace: string;
  name: string;
  uid: string;
  protocol: GatewayProtocol;
  expiresAt: number;
}

export function cookieFor(claims: TicketClaims, now: number): CookieClaims {
  const { user, namespace, name, uid, protocol } = claims;
  return { user, namespace, name, uid, protocol, expiresAt: now + COOKIE_TTL_MS };
}

/** The Set-Cookie header value. */
export function setCookieHeader(keys: Keyring, claims: CookieClaims, path: string, secure: boolean): string {
  const maxAge = Math.floor(COOKIE_TTL_MS / 1000);
  const parts = [`${COOKIE_NAME}=${sign(keys, claims)}`, `Path=${path}`, `Max-Age=${String(maxAge)}`];
  parts.push('HttpOnly', 'SameSite=Strict');
  if (secure) parts.push('Secure');
  return parts.join('; ');
}

/** Every value of cookie `name` in a Cookie header (a browser may send several, most specific path first). */
export function cookieValues(header: string | undefined, name: string): string[] {
  if (!header) return [];
  return header
    .split(';')
    .map((pair) => pair.trim())
    .filter((pair) => pair.startsWith(`${name}=`))
    .map((pair) => pair.slice(name.length + 1));
}

/** The Cookie header without our cookie, for the session's own server. */
export function withoutGatewayCookie(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const rest = header
    .split(';')
    .map((pair) => pair.trim())
    .filter((pair) => pair && !pair.startsWith(`${COOKIE_NAME}=`));
  return rest.length ? rest.join('; ') : undefined;
}

/** The valid, unexpired claims of our cookie for the session at namespace/name, if any. */
export function readCookie(
  keys: Keyring,
  header: string | undefined,
  target: { namespace: string; name: string },
  now: number,
): CookieClaims | undefined {
  for (const value of cookieValues(header, COOKIE_NAME)) {
    const c = verify(keys, value) as Partial<CookieClaims> | undefined;
    if (
      c &&
      typeof c.user === 'string' &&
      typeof c.uid === 'string' &&
      (c.protocol === 'http' || c.protocol === 'vnc') &&
      c.namespace === target.namespace &&
      c.name === target.name &&
      typeof c.expiresAt === 'number' &&
      c.expiresAt > now
    ) {
      return c as CookieClaims;
    }
  }
  return undefined;
}
