// An informer: a reflector feeding a store, and handlers told about every change in order.
// Handlers added after the first sync are replayed the current content as adds, so a controller that
// starts late (after winning leader election) still sees every object once.
import type { Logger } from 'pino';
import type { RuntimeMetrics } from './metrics.ts';
import { Reflector, type ReflectorOptions, type RelistReason } from './reflector.ts';
import type { KubeObject, ResourceType } from './resources.ts';
import type { RestClient } from './rest.ts';
import { Store, type IndexFunc, type IndexFuncs, type StoreChange } from './store.ts';

export interface InformerHandler<T extends KubeObject> {
  onAdd?(obj: T): void;
  /** `old === obj` on a periodic resync of an unchanged object. */
  onUpdate?(old: T, obj: T): void;
  onDelete?(obj: T, finalStateUnknown: boolean): void;
}

/**
 * What controllers and reconcilers need from a cache, whether one informer or one per namespace.
 * Indexes (see store.ts) are kept per informer and merged here: a lookup reads the objects under
 * one value, never the whole cache.
 */
export interface Cache<T extends KubeObject> {
  readonly type: ResourceType<T>;
  get(key: string): T | undefined;
  /** Every object, or one namespace's (from the namespace index). */
  list(namespace?: string): T[];
  /**
   * Adds a named index, filled at once from what the cache holds and kept up to date from then on.
   * The same function under the same name again is a no-op; another function under it throws.
   */
  addIndex(name: string, fn: IndexFunc<T>): void;
  /** The objects `name` indexes under `value`; throws if there is no such index. */
  byIndex(name: string, value: string): T[];
  /** The keys of those objects (a controller's key mapper needs no more). */
  indexKeys(name: string, value: string): string[];
  /** Every value of index `name` that at least one object is indexed under. */
  indexValues(name: string): string[];
  addHandler(handler: InformerHandler<T>): () => void;
  hasSynced(): boolean;
  waitForSync(signal?: AbortSignal): Promise<boolean>;
}

export interface InformerOptions<T extends KubeObject = KubeObject> extends ReflectorOptions {
  metrics?: RuntimeMetrics;
  /** Named indexes from the start (more can be added later with addIndex). */
  indexes?: IndexFuncs<T>;
}

export class Informer<T extends KubeObject = KubeObject> implements Cache<T> {
  readonly type: ResourceType<T>;
  private readonly store: Store<T>;
  private readonly reflector: Reflector<T>;
  private readonly handlers = new Set<InformerHandler<T>>();
  private readonly log: Logger;
  private synced = false;
  private readonly syncWaiters: (() => void)[] = [];

  constructor(client: RestClient, type: ResourceType<T>, log: Logger, options: InformerOptions<T> = {}) {
    this.type = type;
    this.log = log;
    this.store = new Store<T>({
      indexes: options.indexes,
      onIndexError: (index, key, err) => {
        log.error({ err, index, key }, 'index function threw; the object is left out of that index');
      },
    });
    this.reflector = new Reflector<T>(
      client,
      type,
      {
        replace: (items, reason) => {
          this.onReplace(items, reason);
        },
        watchEvent: (eventType, obj) => {
          this.dispatch(eventType === 'DELETED' ? this.store.remove(obj) : this.store.upsert(obj));
        },
      },
      log,
      options,
      options.metrics,
    );
  }

  get description(): string {
    return this.reflector.description;
  }

  get resourceVersion(): string {
    return this.reflector.resourceVersion;
  }

  start(): void {
    this.reflector.start();
  }

  async stop(): Promise<void> {
    await this.reflector.stop();
    for (const w of this.syncWaiters.splice(0)) w();
  }

  get(key: string): T | undefined {
    return this.store.get(key);
  }

  list(namespace?: string): T[] {
    return this.store.list(namespace);
  }

  addIndex(name: string, fn: IndexFunc<T>): void {
    try {
      this.store.addIndex(name, fn);
    } catch (err) {
      throw new Error(`${this.description}: ${(err as Error).message}`, { cause: err });
    }
  }

  byIndex(name: string, value: string): T[] {
    return this.store.byIndex(name, value);
  }

  indexKeys(name: string, value: string): string[] {
    return this.store.indexKeys(name, value);
  }

  indexValues(name: string): string[] {
    return this.store.indexValues(name);
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves true once the first list is in the store, false if aborted first. */
  async waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.synced) return true;
    if (signal?.aborted) return false;
    await new Promise<void>((resolve) => {
      this.syncWaiters.push(resolve);
      signal?.addEventListener(
        'abort',
        () => {
          resolve();
        },
        { once: true },
      );
    });
    return this.synced;
  }

  addHandler(handler: InformerHandler<T>): () => void {
    this.handlers.add(handler);
    if (this.synced) for (const obj of this.store.list()) safely(this.log, () => handler.onAdd?.(obj));
    return () => this.handlers.delete(handler);
  }

  private onReplace(items: T[], reason: RelistReason): void {
    const changes = this.store.replace(items, reason === 'periodic');
    const deleted = changes.filter((c) => c.type === 'delete').length;
    if (reason !== 'initial' && deleted > 0) {
      this.log.info({ reason, deleted }, 'relist found objects deleted while the watch was down');
    }
    this.dispatch(changes);
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  private dispatch(changes: StoreChange<T>[]): void {
    for (const change of changes) {
      for (const h of this.handlers) {
        safely(this.log, () => {
          if (change.type === 'add') h.onAdd?.(change.obj);
          else if (change.type === 'update') h.onUpdate?.(change.old, change.obj);
          else h.onDelete?.(change.obj, change.finalStateUnknown);
        });
      }
    }
  }
}

/** One informer per namespace behind a single cache (when the operator watches a namespace list). */
export class MultiNamespaceCache<T extends KubeObject> implements Cache<T> {
  readonly type: ResourceType<T>;
  /** Protected: a cache over a changing set of namespaces adds and removes informers (following-cache.ts). */
  protected readonly byNamespace: Map<string, Informer<T>>;

  constructor(type: ResourceType<T>, informers: Map<string, Informer<T>>) {
    this.type = type;
    this.byNamespace = informers;
  }

  get(key: string): T | undefined {
    const slash = key.indexOf('/');
    return slash < 0 ? undefined : this.byNamespace.get(key.slice(0, slash))?.get(key);
  }

  list(namespace?: string): T[] {
    if (namespace !== undefined) return this.byNamespace.get(namespace)?.list() ?? [];
    return this.informers.flatMap((i) => i.list());
  }

  addIndex(name: string, fn: IndexFunc<T>): void {
    for (const i of this.informers) i.addIndex(name, fn);
  }

  byIndex(name: string, value: string): T[] {
    return this.informers.flatMap((i) => i.byIndex(name, value));
  }

  indexKeys(name: string, value: string): string[] {
    return this.informers.flatMap((i) => i.indexKeys(name, value));
  }

  indexValues(name: string): string[] {
    return [...new Set(this.informers.flatMap((i) => i.indexValues(name)))];
  }

  protected get informers(): Informer<T>[] {
    return [...this.byNamespace.values()];
  }

  addHandler(handler: InformerHandler<T>): () => void {
    const removers = this.informers.map((i) => i.addHandler(handler));
    return () => {
      for (const r of removers) r();
    };
  }

  hasSynced(): boolean {
    return this.informers.every((i) => i.hasSynced());
  }

  async waitForSync(signal?: AbortSignal): Promise<boolean> {
    const results = await Promise.all(this.informers.map((i) => i.waitForSync(signal)));
    return results.every(Boolean);
  }
}

function safely(log: Logger, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    log.error({ err }, 'informer handler threw');
  }
}
