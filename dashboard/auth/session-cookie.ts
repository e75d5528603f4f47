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

/** A Set-Cookie value: HttpOnly, SameSite=Lax (links from mail keep the user signed in), Secure over TLS. */
export function setCookie(name: string, value: string, options: CookieOptions): string {
  return [
    `${name}=${value}`,
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
