// Starts one gateway in-process: configuration, the runtime's client and watch caches (sessions and
// images), the ticket keys, the HTTP server (the gateway's routes and the ticket API for portals at
// /tickets), and the metrics and health servers. main.ts and the tests start it through here.
import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { AnalysisSessions, SessionImages } from '../../operator/api.ts';
import { loadKubeConfig } from '../../runtime/app.ts';
import { createLogger } from '../../runtime/logger.ts';
import { Manager } from '../../runtime/manager.ts';
import { newRegistry, runtimeMetrics } from '../../runtime/metrics.ts';
import { RestClient } from '../../runtime/rest.ts';
import { listen, serve, type Listening } from '../../runtime/server.ts';
import { loadGatewayConfig, type GatewayConfig } from './config.ts';
import { Connections } from './connections.ts';
import { SessionDirectory } from './directory.ts';
import { Gateway } from './gateway.ts';
import { SecretKeyring } from './keyring-secret.ts';
import { serveTicketApi } from './ticket-api.ts';
import { mayImpersonate, tokenReviewAuthorizer, tokenReviewer, type Caller } from './token-review.ts';

export interface RunningGateway {
  config: GatewayConfig;
  gateway: Gateway;
  connections: Connections;
  manager: Manager;
  /** The port the gateway listens on (the configured one, or the one picked for :0). */
  port: number;
  stop(): Promise<void>;
}

/** What a process that embeds the gateway (the dashboard) shares with it: one client, one set of caches. */
export interface SharedRuntime {
  client: RestClient;
  manager: Manager;
  registry: Registry;
  /** What else the process needs before /readyz answers 200 (the dashboard's own port listening). */
  ready?: () => boolean;
}

export async function startGateway(options: {
  argv?: readonly string[];
  env?: NodeJS.ProcessEnv;
  log?: Logger;
  /** Already parsed (the dashboard parses the gateway's flags with its own); else read from argv and env. */
  config?: GatewayConfig;
  shared?: SharedRuntime;
}): Promise<RunningGateway> {
  const config = options.config ?? loadGatewayConfig(options.argv ?? [], options.env);
  const log = (options.log ?? createLogger(config.logLevel)).child({ app: 'daas-gateway' });
  const registry = options.shared?.registry ?? newRegistry();
  const metrics = options.shared ? undefined : runtimeMetrics(registry);
  const client = options.shared?.client ?? new RestClient(loadKubeConfig(config.kubeconfig), { metrics });
  const manager =
    options.shared?.manager ?? new Manager({ client, log, metrics, namespaces: config.namespaces });
  const directory = new SessionDirectory({
    sessions: manager.cache(AnalysisSessions),
    images: manager.cache(SessionImages),
    client,
  });
  manager.startCaches();
  const keyring = new SecretKeyring({ client, log, ...config.ticketKeysSecret });
  await keyring.start();
  const connections = new Connections(registry);
  const gateway = new Gateway({
    directory,
    keys: () => keyring.keys,
    publicUrl: config.publicUrl,
    connections,
    log,
    maxConnectionsPerUser: config.maxConnectionsPerUser,
    keepaliveMs: config.keepalive,
    ...(config.activityReaders.length
      ? { authorizeActivity: tokenReviewAuthorizer(client, config.activityReaders) }
      : {}),
  });
  const ticketApi = {
    gateway,
    review: tokenReviewer(client),
    mayImpersonate: (caller: Caller, user: string) => mayImpersonate(client, caller, user),
    log,
  };
  const server: Server = createServer((req, res) => {
    if ((req.url ?? '').split('?')[0] !== '/tickets') {
      gateway.handle(req, res);
      return;
    }
    serveTicketApi(req, res, ticketApi).catch((err: unknown) => {
      log.error({ err: (err as Error).message }, 'ticket API failed');
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  server.on('upgrade', gateway.upgrade);
  const listening = await listen(server, config.listenAddress);
  const probes: Listening[] = [];
  const alsoReady = options.shared?.ready ?? (() => true);
  const ready = () => manager.ready() && keyring.keys !== undefined && alsoReady();
  if (config.metricsBindAddress === config.healthProbeBindAddress) {
    if (config.metricsBindAddress !== '0')
      probes.push(await serve(config.metricsBindAddress, { registry, ready }));
  } else {
    if (config.metricsBindAddress !== '0') probes.push(await serve(config.metricsBindAddress, { registry }));
    if (config.healthProbeBindAddress !== '0')
      probes.push(await serve(config.healthProbeBindAddress, { ready }));
  }
  log.info({ listen: config.listenAddress, publicUrl: config.publicUrl.toString() }, 'gateway listening');
  return {
    config,
    gateway,
    connections,
    manager,
    port: listening.port,
    stop: async () => {
      keyring.stop();
      gateway.closeConnections();
      await listening.close();
      await Promise.all(probes.map((p) => p.close()));
      // A shared manager belongs to the process that embeds the gateway; it stops it.
      if (!options.shared) await manager.stop();
    },
  };
}
