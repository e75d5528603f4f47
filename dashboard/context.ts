// What every page and action of the dashboard works with, built once by start.ts.
import type { Logger } from 'pino';
import type { RestClient } from '../runtime/rest.ts';
import type { KeySource } from './auth/keys.ts';
import type { OidcSignIn } from './auth/oidc.ts';
import type { DashboardConfig } from './config.ts';
import type { Favorites } from './favorites/favorites.ts';
import type { Gateway } from './gateway/gateway.ts';
import type { DashboardCaches } from './kube/caches.ts';
import type { Membership } from './kube/membership.ts';
import type { LiveHub } from './live/hub.ts';

export interface Dashboard {
  config: DashboardConfig;
  log: Logger;
  /** The dashboard's own identity: reads it may need and the favorites; every user write impersonates. */
  client: RestClient;
  caches: DashboardCaches;
  membership: Membership;
  favorites: Favorites;
  keys: KeySource;
  /** Ticket issuing, in-process. */
  gateway: Gateway;
  live: LiveHub;
  /** OpenID Connect sign-in, when --oidc-issuer is set. */
  oidc: OidcSignIn | undefined;
  /** Secret the trusted proxies send, if any. */
  proxySecret: Buffer | undefined;
  now: () => number;
}
