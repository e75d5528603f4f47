// Sign-in through an authenticating proxy (OAuth2 Proxy, Apache mod_auth_openidc, ...): the proxy
// names the user and groups in headers. They are believed only from a listed proxy address that
// also shows the shared secret; the same headers from anywhere else are refused, never ignored.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export interface TrustedProxyRules {
  proxies: readonly string[];
  secret: Buffer | undefined;
  userHeader: string;
  groupsHeader: string;
  secretHeader: string;
}

export type ProxyIdentity =
  { kind: 'none' } | { kind: 'refused'; reason: string } | { kind: 'user'; user: string; groups: string[] };

const one = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join(',') : value);

/** `::ffff:127.0.0.1` (an IPv4 peer on a dual-stack socket) is 127.0.0.1. */
export const normalizeAddress = (address: string | undefined) => (address ?? '').replace(/^::ffff:/, '');

const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._@:-]{0,252}$/;

export function proxyIdentity(
  remoteAddress: string | undefined,
  headers: IncomingHttpHeaders,
  rules: TrustedProxyRules,
): ProxyIdentity {
  const user = one(headers[rules.userHeader.toLowerCase()]);
  if (user === undefined) return { kind: 'none' };
  const address = normalizeAddress(remoteAddress);
  if (!rules.proxies.includes(address))
    return { kind: 'refused', reason: `identity headers from ${address}, which is not a trusted proxy` };
  const shown = Buffer.from(one(headers[rules.secretHeader.toLowerCase()]) ?? '');
  if (!rules.secret || shown.length !== rules.secret.length || !timingSafeEqual(shown, rules.secret))
    return { kind: 'refused', reason: 'identity headers without the proxy secret' };
  if (!USER_NAME.test(user.trim())) return { kind: 'refused', reason: 'the user header is not a user name' };
  // The dashboard impersonates whoever the proxy names: never Kubernetes' own identities
  // (system:masters, service accounts, nodes), whatever the proxy says.
  if (user.trim().startsWith('system:'))
    return { kind: 'refused', reason: 'the user header names a Kubernetes system identity' };
  const groups = (one(headers[rules.groupsHeader.toLowerCase()]) ?? '')
    .split(',')
    .map((g) => g.trim())
    .filter((g) => g && !g.startsWith('system:'));
  return { kind: 'user', user: user.trim(), groups };
}
