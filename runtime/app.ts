// Wires one operator process: config → client → manager (caches at once, controllers when leading)
// → metrics and probe servers → signals. Every operator process, in a pod or in a test, runs through here.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { RuntimeConfig } from './config.ts';
import { loadClusterAccess, type ClusterAccess } from './kubeconfig.ts';
import { EventRecorder } from './events.ts';
import { LeaderElector } from './leaderelection.ts';
import { createLogger } from './logger.ts';
import { Manager } from './manager.ts';
import { newRegistry, runtimeMetrics, type RuntimeMetrics } from './metrics.ts';
import type { ReflectorOptions } from './reflector.ts';
import { isReview, RestClient } from './rest.ts';
import { serve, type Listening } from './server.ts';

export interface OperatorContext {
  manager: Manager;
  client: RestClient;
  recorder: EventRecorder;
  log: Logger;
  identity: string;
}

export interface RunOptions {
  /** Adds the controllers (called once, before anything starts). */
  register?: (ctx: OperatorContext) => void;
  log?: Logger;
  identity?: string;
  /** How long shutdown waits for reconciles in flight. */
  drainTimeoutMs?: number;
  informer?: ReflectorOptions;
  /** Handle SIGTERM/SIGINT (default true). */
  handleSignals?: boolean;
  /** Called when this replica starts its controllers (after winning the election, if enabled). */
  onLeading?: () => void;
  /** Called once the controllers have stopped after the lease was lost (before standing again). */
  onLeadershipLost?: () => void;
}

export interface RunningOperator extends OperatorContext {
  metrics: RuntimeMetrics;
  servers: Listening[];
  elector: LeaderElector | undefined;
  /** Graceful stop: drain, stop caches, release the lease, close servers. Resolves to the exit code. */
  shutdown(reason: string): Promise<number>;
  /** Resolves with the exit code once the operator has stopped for any reason. */
  done: Promise<number>;
}

/** The cluster of `path`, or else $KUBECONFIG, ~/.kube/config or the in-cluster service account. */
export function loadKubeConfig(path: string | undefined): ClusterAccess {
  return loadClusterAccess(path);
}

function podNamespace(): string | undefined {
  if (process.env.POD_NAMESPACE) return process.env.POD_NAMESPACE;
  try {
    return readFileSync('/var/run/secrets/kubernetes.io/serviceaccount/namespace', 'utf8').trim();
  } catch {
    return undefined;
  }
}

export async function runOperator(config: RuntimeConfig, options: RunOptions = {}): Promise<RunningOperator> {
  const log = options.log ?? createLogger(config.logLevel);
  const identity = options.identity ?? process.env.POD_NAME ?? `${hostname()}_${randomUUID().slice(0, 8)}`;
  const registry = newRegistry();
  const metrics = runtimeMetrics(registry);
  const client = new RestClient(loadKubeConfig(config.kubeconfig), {
    metrics,
    qps: config.kubeApiQps,
    burst: config.kubeApiBurst,
  });
  const manager = new Manager({
    client,
    log,
    metrics,
    namespaces: config.namespaces,
    defaultWorkers: config.workers,
    informer: { silenceTimeoutMs: config.watchSilenceTimeout, ...options.informer },
  });
  const recorder = new EventRecorder({ client, log, instance: identity });
  const ctx: OperatorContext = { manager, client, recorder, log, identity };
  options.register?.(ctx);

  const servers: Listening[] = [];
  const routes = { registry, ready: () => manager.ready() };
  if (config.metricsBindAddress === config.healthProbeBindAddress) {
    if (config.metricsBindAddress !== '0') servers.push(await serve(config.metricsBindAddress, routes));
  } else {
    if (config.metricsBindAddress !== '0') servers.push(await serve(config.metricsBindAddress, { registry }));
    if (config.healthProbeBindAddress !== '0') {
      servers.push(await serve(config.healthProbeBindAddress, { ready: routes.ready }));
    }
  }

  const abort = new AbortController();
  let resolveDone: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => (resolveDone = resolve));
  let stopping: Promise<number> | undefined;
  const elector = config.leaderElect
    ? new LeaderElector({
        client,
        namespace: config.leaderElectionNamespace ?? podNamespace() ?? 'default',
        name: config.leaderElectionId,
        identity,
        log,
        metrics,
        leaseDurationMs: config.leaseDuration,
        renewDeadlineMs: config.renewDeadline,
        retryPeriodMs: config.retryPeriod,
      })
    : undefined;

  if (elector) {
    // Writes of a replica whose lease may have passed to another are refused before they are sent.
    // Reviews (access and token reviews) are POSTs that change nothing: a standby may ask them too.
    client.setWriteFence((_method, path) => elector.isLeasePath(path) || isReview(path) || elector.mayAct());
  }

  const shutdown = (reason: string, code = 0): Promise<number> => {
    stopping ??= (async () => {
      log.info({ reason }, 'shutting down');
      abort.abort();
      await manager.stop(options.drainTimeoutMs ?? 20_000);
      // Release only after reconciles have drained, so two leaders never overlap on our side.
      await elector?.release();
      await Promise.all(servers.map((s) => s.close()));
      client.close();
      resolveDone(code);
      return code;
    })();
    return stopping;
  };

  if (options.handleSignals ?? true) {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => void shutdown(signal));
    }
  }

  manager.startCaches();
  void (async () => {
    if (!elector) {
      options.onLeading?.();
      await manager.startControllers();
      return;
    }
    // Lead, and on losing the lease stop the controllers and stand for election again: an API server
    // outage longer than renewDeadline must not take the operator down (it could not even restart
    // until the server is back). The caches keep running, so the replica leads again warm.
    while (await elector.acquire(abort.signal)) {
      options.onLeading?.();
      // Not awaited: starting waits for the caches, and renewals must go on meanwhile.
      manager.startControllers().catch(async (err: unknown) => {
        log.fatal({ err }, 'controllers failed to start');
        await shutdown('fatal error', 1);
      });
      if (!(await elector.hold(abort.signal))) return;
      // A standby may lead once leaseDuration has passed since our last renewal, and hold() gave up
      // at renewDeadline: stop within the difference, cancelling what is in flight.
      const budgetMs = Math.max(100, (elector.leaseDurationMs - elector.renewDeadlineMs) / 2);
      await manager.stopControllers(budgetMs);
      options.onLeadershipLost?.();
      log.warn('controllers stopped after losing the lease; standing for election again');
    }
  })().catch(async (err: unknown) => {
    log.fatal({ err }, 'operator failed');
    await shutdown('fatal error', 1);
  });

  return { ...ctx, metrics, servers, elector, shutdown: (reason) => shutdown(reason), done };
}
