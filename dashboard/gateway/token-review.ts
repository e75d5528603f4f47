// Who may read the gateway's activity endpoint: a Kubernetes bearer token, checked by TokenReview
// (as the API server would), whose user is one of the configured readers (the operator's service
// account). Answers are cached for a minute per token, so a probe every few seconds costs one review
// a minute.
import { createHash } from 'node:crypto';
import type { RestClient } from '../../runtime/rest.ts';

interface TokenReview {
  status?: { authenticated?: boolean; user?: { username?: string } };
}

const CACHE_MS = 60_000;

export type Authorizer = (authorization: string | undefined) => Promise<boolean>;

export function tokenReviewAuthorizer(client: RestClient, readers: readonly string[]): Authorizer {
  const cache = new Map<string, { at: number; allowed: boolean }>();
  return async (authorization) => {
    const token = /^Bearer (\S+)$/i.exec(authorization ?? '')?.[1];
    if (!token) return false;
    const key = createHash('sha256').update(token).digest('base64url');
    const now = Date.now();
    const cached = cache.get(key);
    if (cached && now - cached.at < CACHE_MS) return cached.allowed;
    const review = await client.request<TokenReview>('POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } },
    });
    const user = review.status?.authenticated ? review.status.user?.username : undefined;
    const allowed = user !== undefined && readers.includes(user);
    for (const [k, v] of cache) if (now - v.at >= CACHE_MS) cache.delete(k);
    cache.set(key, { at: now, allowed });
    return allowed;
  };
}
