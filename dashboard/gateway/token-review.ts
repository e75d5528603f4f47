// Who is calling, as the API server would say: a Kubernetes bearer token checked by TokenReview
// (answers cached for a minute per token), and whether that caller may act for another user,
// checked by SubjectAccessReview (impersonate users/<name>), as the API server checks impersonation.
import { createHash } from 'node:crypto';
import type { RestClient } from '../../runtime/rest.ts';

export interface Caller {
  username: string;
  groups: string[];
}

interface TokenReview {
  status?: { authenticated?: boolean; user?: { username?: string; groups?: string[] } };
}

interface SubjectAccessReview {
  status?: { allowed?: boolean };
}

const CACHE_MS = 60_000;

/** The bearer token of an Authorization header, if there is one. */
export function bearerToken(authorization: string | undefined): string | undefined {
  return /^Bearer (\S+)$/i.exec(authorization ?? '')?.[1];
}

/** Reviews tokens with the API server; undefined for a token it does not vouch for. */
export function tokenReviewer(client: RestClient): (token: string) => Promise<Caller | undefined> {
  const cache = new Map<string, { at: number; caller: Caller | undefined }>();
  return async (token) => {
    const key = createHash('sha256').update(token).digest('base64url');
    const now = Date.now();
    const cached = cache.get(key);
    if (cached && now - cached.at < CACHE_MS) return cached.caller;
    const review = await client.request<TokenReview>('POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } },
    });
    const user = review.status?.authenticated ? review.status.user : undefined;
    const caller = user?.username ? { username: user.username, groups: user.groups ?? [] } : undefined;
    for (const [k, v] of cache) if (now - v.at >= CACHE_MS) cache.delete(k);
    cache.set(key, { at: now, caller });
    return caller;
  };
}

export type Authorizer = (authorization: string | undefined) => Promise<boolean>;

/** Lets in callers whose reviewed user name is one of `readers`. */
export function tokenReviewAuthorizer(client: RestClient, readers: readonly string[]): Authorizer {
  const review = tokenReviewer(client);
  return async (authorization) => {
    const token = bearerToken(authorization);
    const caller = token ? await review(token) : undefined;
    return caller !== undefined && readers.includes(caller.username);
  };
}

/** Whether `caller` may impersonate `user`, as Kubernetes RBAC (or any authorizer) decides. */
export async function mayImpersonate(client: RestClient, caller: Caller, user: string): Promise<boolean> {
  const review = await client.request<SubjectAccessReview>(
    'POST',
    '/apis/authorization.k8s.io/v1/subjectaccessreviews',
    {
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user: caller.username,
          groups: caller.groups,
          resourceAttributes: { verb: 'impersonate', resource: 'users', name: user },
        },
      },
    },
  );
  return review.status?.allowed === true;
}
