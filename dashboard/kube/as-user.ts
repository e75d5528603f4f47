// Requests to the API server as the signed-in user: the runtime's REST client with Impersonate-User
// and one Impersonate-Group header per group (node:http sends an array as repeated headers; fetch
// would merge them into one, client-node issue 2474). RBAC, CEL validation and admission policies
// then decide exactly as for the user's own kubectl.
import type { RestClient, RequestOptions } from '../../runtime/rest.ts';

export interface Identity {
  user: string;
  groups: readonly string[];
}

export function impersonationHeaders(who: Identity): Record<string, string | string[]> {
  return who.groups.length > 0
    ? { 'Impersonate-User': who.user, 'Impersonate-Group': [...who.groups] }
    : { 'Impersonate-User': who.user };
}

export class UserClient {
  private readonly client: RestClient;
  readonly who: Identity;

  constructor(client: RestClient, who: Identity) {
    this.client = client;
    this.who = who;
  }

  request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    return this.client.request<T>(method, path, {
      ...options,
      headers: { ...options.headers, ...impersonationHeaders(this.who) },
    });
  }

  mergePatch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, { body, contentType: 'application/merge-patch+json' });
  }
}
