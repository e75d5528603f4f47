// The signed sign-in cookie: who the user is, their groups, the CSRF token of their forms and when
// it expires, HMAC-signed with the dashboard's keys (gateway/signing.ts: two keys, so they rotate).
import { randomBytes } from 'node:crypto';
import { sign, verify, type Keyring } from '../gateway/signing.ts';

export const SESSION_COOKIE = 'daas_dashboard';

export interface SignedInUser {
  user: string;
  groups: string[];
  /** The token every form of this sign-in carries. */
  csrf: string;
  /** How the user signed in: demo (sample users), proxy (trusted headers) or oidc (OpenID Connect). */
  method: 'demo' | 'proxy' | 'oidc';
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

export function newSignIn(
  user: string,
  groups: readonly string[],
  method: SignedInUser['method'],
  now: number,
  lifetimeMs: number,
): SignedInUser {
  return {
    user,
    groups: [...groups],
    csrf: randomBytes(16).toString('base64url'),
    method,
    expiresAt: now + lifetimeMs,
  };
}

export const sealSignIn = (keys: Keyring, signIn: SignedInUser): string => sign(keys, signIn);

/** The sign-in a cookie holds, if its signature holds, its shape is right and it has not expired. */
export function openSignIn(keys: Keyring, value: string | undefined, now: number): SignedInUser | undefined {
  if (!value) return undefined;
  const claims = verify(keys, value) as Partial<SignedInUser> | undefined;
  if (
    !claims ||
    typeof claims.user !== 'string' ||
    !claims.user ||
    !Array.isArray(claims.groups) ||
    !claims.groups.every((g) => typeof g === 'string') ||
    typeof claims.csrf !== 'string' ||
    !(['demo', 'proxy', 'oidc'] as unknown[]).includes(claims.method) ||
    typeof claims.expiresAt !== 'number' ||
    claims.expiresAt <= now
  )
    return undefined;
  return claims as SignedInUser;
}

export interface CookieOptions {
  secure: boolean;
  maxAgeSeconds: number;
}

/**
 * Over TLS a cookie's name carries the `__Host-` prefix: browsers then take it only from this very
 * host, Secure, with Path=/ and no Domain, so a sibling origin (the gateway's, which serves the
 * sessions' own code, often on a subdomain) cannot plant one for the dashboard.
 */
export const cookieName = (name: string, secure: boolean) => (secure ? `__Host-${name}` : name);

/** The value of one of the dashboard's cookies in a request's Cookie header. */
export const readCookie = (header: string | undefined, name: string, secure: boolean) =>
  parseCookies(header).get(cookieName(name, secure));

/**
 * A Set-Cookie value: HttpOnly, SameSite=Lax (links from mail, and the OpenID provider's redirect
 * back, keep the user signed in), Secure and `__Host-` over TLS.
 */
export function setCookie(name: string, value: string, options: CookieOptions): string {
  return [
    `${cookieName(name, options.secure)}=${value}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Lax',
    `Max-Age=${String(Math.max(0, Math.floor(options.maxAgeSeconds)))}`,
    ...(options.secure ? ['Secure'] : []),
  ].join('; ');
}

/** The cookies of a request by name (first one wins). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (!out.has(name)) out.set(name, part.slice(eq + 1).trim());
  }
  return out;
}
