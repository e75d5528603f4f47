// Prometheus metrics with controller-runtime and client-go names, so existing dashboards and alerts
// for Go operators work unchanged. One set per registry (tests run several managers side by side).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface RuntimeMetrics {
  registry: Registry;
  reconcileTotal: Counter<'controller' | 'result'>;
  reconcileErrors: Counter<'controller'>;
  terminalReconcileErrors: Counter<'controller'>;
  reconcileTime: Histogram<'controller'>;
  maxConcurrentReconciles: Gauge<'controller'>;
  activeWorkers: Gauge<'controller'>;
  queueDepth: Gauge<'name' | 'controller'>;
  queueAdds: Counter<'name' | 'controller'>;
  queueDuration: Histogram<'name' | 'controller'>;
  workDuration: Histogram<'name' | 'controller'>;
  queueRetries: Counter<'name' | 'controller'>;
  unfinishedWork: Gauge<'name' | 'controller'>;
  longestRunningProcessor: Gauge<'name' | 'controller'>;
  restRequests: Counter<'code' | 'method' | 'host'>;
  restLatency: Histogram<'verb' | 'host'>;
  restRateLimiterWait: Histogram<'verb' | 'host'>;
  informerRelists: Counter<'resource' | 'reason'>;
  informerWatchRestarts: Counter<'resource' | 'reason'>;
  leaderElectionMaster: Gauge<'name'>;
  /** Lease writes (create, renew, release): the only writes a converged leader makes. */
  leaderElectionLeaseWrites: Counter<'name'>;
  /** Called at scrape time: queues refresh their unfinished-work gauges here. */
  scrapeProbes: Set<() => void>;
}

// client-go's buckets for request latency and client-side throttling.
const requestBuckets = [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60];

// client-go's exponential buckets for work queues: 10 ns to 1000 s.
const queueBuckets = Array.from({ length: 12 }, (_, i) => 1e-8 * 10 ** i);
const reconcileBuckets = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.25, 1.5,
  1.75, 2, 2.5, 3, 3.5, 4, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];

const byRegistry = new WeakMap<Registry, RuntimeMetrics>();

/** Returns the runtime's metrics registered in `registry`, creating them on first use. */
export function runtimeMetrics(registry: Registry): RuntimeMetrics {
  const existing = byRegistry.get(registry);
  if (existing) return existing;
  const registers = [registry];
  const q = ['name', 'controller'] as const;
  const scrapeProbes = new Set<() => void>();
  const m: RuntimeMetrics = {
    registry,
    reconcileTotal: new Counter({
      name: 'controller_runtime_reconcile_total',
      help: 'Total number of reconciliations per controller',
      labelNames: ['controller', 'result'],
      registers,
    }),
    reconcileErrors: new Counter({
      name: 'controller_runtime_reconcile_errors_total',
      help: 'Total number of reconciliation errors per controller',
      labelNames: ['controller'],
      registers,
    }),
    terminalReconcileErrors: new Counter({
      name: 'controller_runtime_terminal_reconcile_errors_total',
      help: 'Total number of terminal reconciliation errors per controller',
      labelNames: ['controller'],
      registers,
    }),
    reconcileTime: new Histogram({
      name: 'controller_runtime_reconcile_time_seconds',
      help: 'Length of time per reconciliation per controller',
      labelNames: ['controller'],
      buckets: reconcileBuckets,
      registers,
    }),
    maxConcurrentReconciles: new Gauge({
      name: 'controller_runtime_max_concurrent_reconciles',
      help: 'Maximum number of concurrent reconciles per controller',
      labelNames: ['controller'],
      registers,
    }),
    activeWorkers: new Gauge({
      name: 'controller_runtime_active_workers',
      help: 'Number of currently used workers per controller',
      labelNames: ['controller'],
      registers,
    }),
    queueDepth: new Gauge({
      name: 'workqueue_depth',
      help: 'Current depth of workqueue',
      labelNames: q,
      registers,
    }),
    queueAdds: new Counter({
      name: 'workqueue_adds_total',
      help: 'Total number of adds handled by workqueue',
      labelNames: q,
      registers,
    }),
    queueDuration: new Histogram({
      name: 'workqueue_queue_duration_seconds',
      help: 'How long in seconds an item stays in workqueue before being requested',
      labelNames: q,
      buckets: queueBuckets,
      registers,
    }),
    workDuration: new Histogram({
      name: 'workqueue_work_duration_seconds',
      help: 'How long in seconds processing an item from workqueue takes',
      labelNames: q,
      buckets: queueBuckets,
      registers,
    }),
    queueRetries: new Counter({
      name: 'workqueue_retries_total',
      help: 'Total number of retries handled by workqueue',
      labelNames: q,
      registers,
    }),
    unfinishedWork: new Gauge({
      name: 'workqueue_unfinished_work_seconds',
      help: 'How many seconds of work has been done that is in progress and has not been observed by work_duration',
      labelNames: q,
      registers,
      collect() {
        for (const probe of scrapeProbes) probe();
      },
    }),
    longestRunningProcessor: new Gauge({
      name: 'workqueue_longest_running_processor_seconds',
      help: 'How many seconds has the longest running processor for workqueue been running',
      labelNames: q,
      registers,
    }),
    restRequests: new Counter({
      name: 'rest_client_requests_total',
      help: 'Number of HTTP requests, partitioned by status code, method, and host',
      labelNames: ['code', 'method', 'host'],
      registers,
    }),
    restLatency: new Histogram({
      name: 'rest_client_request_duration_seconds',
      help: 'Request latency in seconds, broken down by verb and host',
      labelNames: ['verb', 'host'],
      buckets: requestBuckets,
      registers,
    }),
    restRateLimiterWait: new Histogram({
      name: 'rest_client_rate_limiter_duration_seconds',
      help: 'Client side rate limiter latency in seconds, broken down by verb and host',
      labelNames: ['verb', 'host'],
      buckets: requestBuckets,
      registers,
    }),
    informerRelists: new Counter({
      name: 'daas_informer_relists_total',
      help: 'Full lists by informers, by reason (initial, gone, periodic, error)',
      labelNames: ['resource', 'reason'],
      registers,
    }),
    informerWatchRestarts: new Counter({
      name: 'daas_informer_watch_restarts_total',
      help: 'Watch streams that ended, by reason (closed: by the server at its timeout; silent: no byte, not even a bookmark, for the silence timeout; watchdog: open past its timeout; error; gone)',
      labelNames: ['resource', 'reason'],
      registers,
    }),
    leaderElectionMaster: new Gauge({
      name: 'leader_election_master_status',
      help: 'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master',
      labelNames: ['name'],
      registers,
    }),
    leaderElectionLeaseWrites: new Counter({
      name: 'leader_election_lease_writes_total',
      help: 'Requests that wrote the Lease (create, renew, release), so that other writes can be told apart',
      labelNames: ['name'],
      registers,
    }),
    scrapeProbes,
  };
  byRegistry.set(registry, m);
  return m;
}

/** A registry with the runtime's metrics plus process and event-loop-lag metrics. */
export function newRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });
  runtimeMetrics(registry);
  return registry;
}
