// The manager owns the shared caches and the controllers. Caches start at once, so a standby replica
// keeps warm caches and is ready to lead; controllers start only once this replica leads.
import type { Logger } from 'pino';
import {
  Controller,
  toControllerOwner,
  type ControllerOptions,
  type KeyMapper,
  type UpdatePredicate,
} from './controller.ts';
import { Informer, MultiNamespaceCache, type Cache } from './informer.ts';
import type { RuntimeMetrics } from './metrics.ts';
import type { ReflectorOptions } from './reflector.ts';
import type { IndexFuncs } from './store.ts';
import { keyOf, type KubeObject, type ResourceType } from './resources.ts';
import type { RestClient } from './rest.ts';

export interface ManagerOptions {
  client: RestClient;
  log: Logger;
  metrics?: RuntimeMetrics;
  /** Namespaces to watch for namespaced kinds; empty or undefined means all namespaces. */
  namespaces?: string[];
  /** Defaults for every informer (watch timeouts, relist period, back-off). */
  informer?: ReflectorOptions;
  defaultWorkers?: number;
}

export interface Selectors {
  labelSelector?: string;
  fieldSelector?: string;
}

export interface CacheOptions<T extends KubeObject> {
  /** Named index functions (see Store): `{ byOwner: (s) => [s.spec.owner] }`. */
  indexes?: IndexFuncs<T>;
}

export interface ControllerSpec<T extends KubeObject> extends Omit<ControllerOptions, 'log' | 'metrics'> {
  /** The kind this controller reconciles: its keys are this kind's keys. */
  for: ResourceType;
  forSelectors?: Selectors;
  /** Kinds it creates; changes map to the controlling owner. Select them by the operator's own labels. */
  owns?: { type: ResourceType; selectors?: Selectors }[];
  /** Anything else that should trigger a reconcile. */
  watches?: { type: ResourceType; selectors?: Selectors; map: KeyMapper<T>; predicate?: UpdatePredicate }[];
}

export class Manager {
  readonly client: RestClient;
  readonly log: Logger;
  readonly metrics: RuntimeMetrics | undefined;
  private readonly options: ManagerOptions;
  private readonly caches = new Map<string, { cache: Cache<KubeObject>; informers: Informer[] }>();
  private readonly controllers: Controller[] = [];
  private cachesStarted = false;
  private controllersStarted = false;
  private recoveryWatch: AbortController | undefined;

  constructor(options: ManagerOptions) {
    this.options = options;
    this.client = options.client;
    this.log = options.log;
    this.metrics = options.metrics;
  }

  /**
   * The shared cache for a kind and selectors (one informer per watched namespace), typed by the
   * kind: `cache(Pods)` is a `Cache<Pod>`. `options.indexes` are the named indexes this caller needs:
   * they are added to the shared cache whether this call creates it or another caller did (with
   * other indexes) before; the same name must always come with the same function.
   */
  cache<T extends KubeObject>(
    type: ResourceType<T>,
    selectors?: Selectors,
    options?: CacheOptions<T>,
  ): Cache<T>;
  /** For untyped ResourceTypes: the caller names the object type and is trusted, as with a cast. */
  cache<T extends KubeObject = KubeObject>(
    type: ResourceType,
    selectors?: Selectors,
    options?: CacheOptions<NoInfer<T>>,
  ): Cache<T>;
  cache(
    type: ResourceType,
    selectors: Selectors = {},
    options: CacheOptions<KubeObject> = {},
  ): Cache<KubeObject> {
    const id = JSON.stringify([
      type.group,
      type.version,
      type.plural,
      selectors.labelSelector,
      selectors.fieldSelector,
    ]);
    const existing = this.caches.get(id);
    if (existing) {
      for (const [name, fn] of Object.entries(options.indexes ?? {})) existing.cache.addIndex(name, fn);
      return existing.cache;
    }
    const namespaces = type.namespaced ? (this.options.namespaces ?? []) : [];
    const make = (namespace?: string) =>
      new Informer(this.client, type, this.log, {
        ...this.options.informer,
        ...selectors,
        namespace,
        metrics: this.metrics,
        indexes: options.indexes,
      });
    let cache: Cache<KubeObject>;
    let informers: Informer[];
    if (namespaces.length === 0) {
      const informer = make();
      cache = informer;
      informers = [informer];
    } else {
      const byNamespace = new Map(namespaces.map((ns) => [ns, make(ns)]));
      cache = new MultiNamespaceCache(type, byNamespace);
      informers = [...byNamespace.values()];
    }
    this.caches.set(id, { cache, informers });
    if (this.cachesStarted) for (const i of informers) i.start();
    return cache;
  }

  addController(options: Omit<ControllerOptions, 'log' | 'metrics'>): Controller {
    const controller = new Controller({
      workers: this.options.defaultWorkers,
      ...options,
      log: this.log,
      metrics: this.metrics,
    });
    this.controllers.push(controller);
    if (this.controllersStarted) void controller.start();
    return controller;
  }

  /** controller-runtime's builder: For(kind).Owns(children).Watches(other, mapper). */
  controller<T extends KubeObject>(spec: ControllerSpec<T>): Controller {
    const { for: type, forSelectors, owns = [], watches = [], ...options } = spec;
    const controller = this.addController(options);
    controller.watch(this.cache(type, forSelectors), keyOf);
    for (const o of owns) controller.watch(this.cache(o.type, o.selectors), toControllerOwner(type));
    for (const w of watches) controller.watch(this.cache<T>(w.type, w.selectors), w.map, w.predicate);
    return controller;
  }

  startCaches(): void {
    this.cachesStarted = true;
    for (const { informers } of this.caches.values()) for (const i of informers) i.start();
  }

  /** Starts every controller (call when leading); resolves once their workers run. */
  async startControllers(): Promise<void> {
    this.startCaches();
    this.controllersStarted = true;
    this.watchRecoveries();
    await Promise.all(this.controllers.map((c) => c.start()));
  }

  /** Until the controllers stop: each time the API server answers again, retry what failed on it. */
  private watchRecoveries(): void {
    this.recoveryWatch?.abort();
    const watch = (this.recoveryWatch = new AbortController());
    const stopped = () => watch.signal.aborted;
    void (async () => {
      while (!stopped()) {
        await this.client.recovered(watch.signal);
        if (stopped()) break;
        const retried = this.controllers.reduce((n, c) => n + c.retryFailedNow(), 0);
        if (retried > 0) this.log.info({ retried }, 'API server answers again: retrying failed keys now');
      }
    })();
  }

  /**
   * Stops every controller and cancels their reconciles in flight (leadership lost), waiting at most
   * `timeoutMs`; the caches keep running, so the replica stays a warm standby and can lead again.
   */
  async stopControllers(timeoutMs: number): Promise<void> {
    this.controllersStarted = false;
    this.recoveryWatch?.abort();
    await Promise.all(this.controllers.map((c) => c.stop(timeoutMs, { cancel: true })));
  }

  /** Ready when every cache has listed once. */
  ready(): boolean {
    return [...this.caches.values()].every(({ cache }) => cache.hasSynced());
  }

  async waitForCacheSync(signal?: AbortSignal): Promise<boolean> {
    const results = await Promise.all(
      [...this.caches.values()].map(({ cache }) => cache.waitForSync(signal)),
    );
    return results.every(Boolean);
  }

  /** Drains controllers (up to `timeoutMs`), then stops the informers. */
  async stop(timeoutMs = 30_000): Promise<void> {
    this.recoveryWatch?.abort();
    await Promise.all(this.controllers.map((c) => c.stop(timeoutMs)));
    await Promise.all([...this.caches.values()].flatMap(({ informers }) => informers.map((i) => i.stop())));
  }
}
