// Who may launch where, from Kubernetes RBAC: a SelfSubjectAccessReview of "create analysissessions"
// in a proposal namespace, asked as the user (impersonated), so the answer is exactly what the API
// server will decide on the launch itself. Answers are reused for a short while (--membership-ttl).
import { GROUP } from '../../crds/index.ts';
import type { RestClient } from '../../runtime/rest.ts';
import { UserClient, type Identity } from './as-user.ts';

export type Review = (who: Identity, namespace: string) => Promise<boolean>;

export function selfSubjectAccessReview(client: RestClient): Review {
  return async (who, namespace) => {
    const answer = await new UserClient(client, who).request<{ status?: { allowed?: boolean } }>(
      'POST',
      '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      {
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: {
            resourceAttributes: { namespace, verb: 'create', group: GROUP, resource: 'analysissessions' },
          },
        },
      },
    );
    return answer.status?.allowed === true;
  };
}

export class Membership {
  private readonly review: Review;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly answers = new Map<string, { at: number; allowed: Promise<boolean> }>();

  constructor(review: Review, ttlMs: number, now: () => number = Date.now) {
    this.review = review;
    this.ttlMs = ttlMs;
    this.now = now;
  }

  mayLaunch(who: Identity, namespace: string): Promise<boolean> {
    const key = JSON.stringify([who.user, [...who.groups].sort(), namespace]);
    const cached = this.answers.get(key);
    if (cached && this.now() - cached.at < this.ttlMs) return cached.allowed;
    const allowed = this.review(who, namespace);
    this.answers.set(key, { at: this.now(), allowed });
    // A failed review is not remembered: the next page asks again.
    allowed.catch(() => this.answers.delete(key));
    if (this.answers.size > 10_000) this.prune();
    return allowed;
  }

  /** The namespaces among `namespaces` where the user may launch. */
  async memberOf(who: Identity, namespaces: readonly string[]): Promise<string[]> {
    const allowed = await Promise.all(namespaces.map((ns) => this.mayLaunch(who, ns)));
    return namespaces.filter((_, i) => allowed[i]);
  }

  private prune(): void {
    const now = this.now();
    for (const [key, { at }] of this.answers) if (now - at >= this.ttlMs) this.answers.delete(key);
  }
}
