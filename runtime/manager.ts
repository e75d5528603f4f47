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
import { FollowingNamespacesCache } from './following-cache.ts';
import {
  FixedNamespaces,
  NamespaceAccess,
  NamespacesOfCache,
  type AccessCheck,
  type NamespaceSet,
} from './namespace-access.ts';
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

/** What the manager waits on before it is ready: caches, and the namespace sets they follow. */
interface Syncable {
  hasSynced(): boolean;
  waitForSync(signal?: AbortSignal): Promise<boolean>;
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
  private readonly caches = new Map<
    string,
    { cache: Syncable; start: () => void; stop: () => Promise<unknown> }
  >();
  private readonly namespaceSets = new Map<string, NamespaceSet>();
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
    const existing = this.caches.get(id)?.cache as Cache<KubeObject> | undefined;
    if (existing) {
      for (const [name, fn] of Object.entries(options.indexes ?? {})) existing.addIndex(name, fn);
      return existing;
    }
    const namespaces = type.namespaced ? (this.options.namespaces ?? []) : [];
    const make = (namespace?: string) => this.informer(type, selectors, options, namespace);
    let informers: Informer[];
    let cache: Cache<KubeObject>;
    if (namespaces.length === 0) {
      const informer = make();
      cache = informer;
      informers = [informer];
    } else {
      const byNamespace = new Map(namespaces.map((ns) => [ns, make(ns)]));
      cache = new MultiNamespaceCache(type, byNamespace);
      informers = [...byNamespace.values()];
    }
    this.register(
      id,
      cache,
      () => {
        for (const i of informers) i.start();
      },
      () => Promise.all(informers.map((i) => i.stop())),
    );
    return cache;
  }

  /** The namespaces this operator is limited to (`--namespaces`); empty: all. */
  get watchedNamespaces(): readonly string[] {
    return this.options.namespaces ?? [];
  }

  /** Whether this process may act in `namespace`: always, unless `--namespaces` leaves it out. */
  watches(namespace: string): boolean {
    const limited = this.watchedNamespaces;
    return limited.length === 0 || limited.includes(namespace);
  }

  /**
   * The namespaces where `check` is allowed (namespace-access.ts), among those where `source`
   * (RoleBindings that grant this process access) has objects, or the fixed `--namespaces`.
   */
  namespaceAccess(source: Cache<KubeObject>, check: AccessCheck): NamespaceSet {
    const candidates =
      this.watchedNamespaces.length > 0
        ? new FixedNamespaces(this.watchedNamespaces)
        : new NamespacesOfCache(source);
    const id = JSON.stringify(['access', check, source.type.plural]);
    const known = this.namespaceSets.get(id);
    if (known) return known;
    const access = new NamespaceAccess(this.client, candidates, check, this.log);
    this.namespaceSets.set(id, access);
    this.register(
      id,
      access,
      () => {
        access.start();
      },
      () => access.stop(),
    );
    return access;
  }

  /**
   * A cache of a namespaced kind over the namespaces of `namespaces`, following them as they come
   * and go (following-cache.ts): for kinds this process may read only where a RoleBinding grants it.
   */
  cacheInNamespaces<T extends KubeObject>(
    type: ResourceType<T>,
    namespaces: NamespaceSet,
    selectors: Selectors = {},
  ): FollowingNamespacesCache<T> {
    const id = JSON.stringify(['following', type.group, type.version, type.plural, selectors.labelSelector]);
    const known = this.caches.get(id);
    if (known) return known.cache as FollowingNamespacesCache<T>;
    const cache = new FollowingNamespacesCache<T>(
      type,
      namespaces,
      (namespace) => this.informer(type, selectors, {}, namespace) as Informer<T>,
      this.log,
    );
    this.register(
      id,
      cache,
      () => {
        cache.start();
      },
      () => cache.stop(),
    );
    return cache;
  }

  private informer(
    type: ResourceType,
    selectors: Selectors,
    options: CacheOptions<KubeObject>,
    namespace?: string,
  ): Informer {
    return new Informer(this.client, type, this.log, {
      ...this.options.informer,
      ...selectors,
      namespace,
      metrics: this.metrics,
      indexes: options.indexes,
    });
  }

  private register(id: string, cache: Syncable, start: () => void, stop: () => Promise<unknown>): void {
    this.caches.set(id, { cache, start, stop });
    if (this.cachesStarted) start();
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
    for (const { start } of this.caches.values()) start();
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
    await Promise.all([...this.caches.values()].map(({ stop }) => stop()));
  }
}
