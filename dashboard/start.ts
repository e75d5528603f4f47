// Starts the dashboard in-process: configuration, the runtime's client and watch caches (shared with
// the embedded gateway, which serves its own port), the cookie keys, and the HTTP server. main.ts
// and the tests start it through here.
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';
import { loadKubeConfig } from '../runtime/app.ts';
import { createLogger } from '../runtime/logger.ts';
import { Manager } from '../runtime/manager.ts';
import { newRegistry, runtimeMetrics } from '../runtime/metrics.ts';
import { RestClient } from '../runtime/rest.ts';
import { listen } from '../runtime/server.ts';
import { dashboardApp } from './app.ts';
import { loadKeys } from './auth/keys.ts';
import { oidcSignInOf } from './auth/oidc-config.ts';
import { gatewayConfigOf, loadDashboardConfig, type DashboardConfig } from './config.ts';
import type { Dashboard } from './context.ts';
import { Favorites } from './favorites/favorites.ts';
import { startGateway, type RunningGateway } from './gateway/start.ts';
import { dashboardCaches } from './kube/caches.ts';
import { Membership, selfSubjectAccessReview } from './kube/membership.ts';
import { LiveHub } from './live/hub.ts';

export interface RunningDashboard {
  config: DashboardConfig;
  dashboard: Dashboard;
  gateway: RunningGateway;
  manager: Manager;
  /** The dashboard's port (the configured one, or the one picked for :0). */
  port: number;
  stop(): Promise<void>;
}

export async function startDashboard(options: {
  argv: readonly string[];
  env?: NodeJS.ProcessEnv;
  log?: Logger;
}): Promise<RunningDashboard> {
  const config = loadDashboardConfig(options.argv, options.env);
  const log = (options.log ?? createLogger(config.logLevel)).child({ app: 'daas-dashboard' });
  const registry = newRegistry();
  const metrics = runtimeMetrics(registry);
  const client = new RestClient(loadKubeConfig(config.kubeconfig), { metrics });
  const manager = new Manager({ client, log, metrics, namespaces: config.namespaces });
  const caches = dashboardCaches(manager);
  const proxySecret = config.trustedProxySecretFile
    ? Buffer.from((await readFile(config.trustedProxySecretFile, 'utf8')).trim())
    : undefined;
  const oidc = await oidcSignInOf(config, log);
  // The gateway registers its caches on the same manager and starts them all. Its /readyz serves
  // the whole process, so it also waits for the dashboard's own port.
  let serving = false;
  const gateway = await startGateway({
    config: gatewayConfigOf(config),
    log,
    shared: { client, manager, registry, ready: () => serving },
  });
  const keys = await loadKeys({
    file: config.sessionKeysFile,
    secret: config.sessionKeysSecret,
    client,
    log,
  });
  const dashboard: Dashboard = {
    config,
    log,
    client,
    caches,
    membership: new Membership(selfSubjectAccessReview(client), config.membershipTtl),
    favorites: new Favorites(client, config.favoritesNamespace),
    keys,
    gateway: gateway.gateway,
    live: new LiveHub(caches.sessions),
    oidc,
    proxySecret,
    now: Date.now,
  };
  const server: Server = createServer(dashboardApp(dashboard));
  // Event streams stay open; the default request timeout would cut them.
  server.requestTimeout = 0;
  const listening = await listen(server, config.listenAddress);
  serving = true;
  log.info(
    {
      listen: config.listenAddress,
      publicUrl: config.publicUrl.toString(),
      gateway: config.gatewayPublicUrl.toString(),
    },
    'dashboard listening',
  );
  return {
    config,
    dashboard,
    gateway,
    manager,
    port: listening.port,
    stop: async () => {
      dashboard.live.stop();
      keys.stop();
      await listening.close();
      await gateway.stop();
      await manager.stop();
      client.close();
    },
  };
}
