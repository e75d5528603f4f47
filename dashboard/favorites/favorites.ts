// ★ favorites, kept in the cluster so they follow the user across browsers: one ConfigMap per user in
// the dashboard's namespace, written by the dashboard itself (not as the user). Users get no RBAC on
// ConfigMaps for this: a role that let them write their own favorites object would let them write
// every ConfigMap of that namespace (RBAC cannot say "only the one named after you" for objects that
// do not exist yet), and favorites decide nothing about access. The dashboard writes only the
// signed-in user's own object.
import { createHash } from 'node:crypto';
import { isNotFound } from '../../runtime/errors.ts';
import { ConfigMaps, objectPath, type ConfigMap } from '../../runtime/resources.ts';
import type { RestClient } from '../../runtime/rest.ts';

export const FAVORITES_LABEL = 'daas.calipsoplus.eu/favorites';

/** A DNS-safe name for any user name (user names may hold @, : and capitals). */
export const favoritesName = (user: string) =>
  `daas-favorites-${createHash('sha256').update(user).digest('hex').slice(0, 20)}`;

export class Favorites {
  private readonly client: RestClient;
  private readonly namespace: string;
  private readonly cache = new Map<string, { at: number; proposals: string[] }>();
  private readonly ttlMs = 10_000;

  constructor(client: RestClient, namespace: string) {
    this.client = client;
    this.namespace = namespace;
  }

  async of(user: string): Promise<string[]> {
    const cached = this.cache.get(user);
    if (cached && Date.now() - cached.at < this.ttlMs) return cached.proposals;
    let proposals: string[] = [];
    try {
      const cm = await this.client.get<ConfigMap>(
        objectPath(ConfigMaps, this.namespace, favoritesName(user)),
      );
      proposals = JSON.parse(cm.data?.proposals ?? '[]') as string[];
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    this.cache.set(user, { at: Date.now(), proposals });
    return proposals;
  }

  /** Adds or removes one proposal namespace; returns the new list. */
  async toggle(user: string, namespace: string): Promise<string[]> {
    this.cache.delete(user);
    const current = await this.of(user);
    const next = current.includes(namespace)
      ? current.filter((n) => n !== namespace)
      : [...current, namespace];
    const body = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: favoritesName(user),
        namespace: this.namespace,
        labels: { [FAVORITES_LABEL]: 'true', 'app.kubernetes.io/managed-by': 'daas-dashboard' },
        annotations: { 'daas.calipsoplus.eu/user': user },
      },
      data: { user, proposals: JSON.stringify(next) },
    };
    // Server-side apply: creates or replaces in one request, with no read-modify-write race on the object.
    await this.client.request('PATCH', objectPath(ConfigMaps, this.namespace, favoritesName(user)), {
      body,
      contentType: 'application/apply-patch+yaml',
      query: { fieldManager: 'daas-dashboard', force: true },
    });
    this.cache.set(user, { at: Date.now(), proposals: next });
    return next;
  }
}
