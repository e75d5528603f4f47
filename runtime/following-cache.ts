// One informer per namespace of a set that changes while the operator runs, behind one cache (e.g.
// the namespaces where a RoleBinding grants the operator access: namespace-access.ts). For kinds the
// operator may read only namespace by namespace, as Secrets: RBAC cannot grant a cluster-wide read
// limited to labelled namespaces, but a RoleBinding per proposal namespace can grant it there.
import type { Logger } from 'pino';
import { MultiNamespaceCache, type Informer, type InformerHandler } from './informer.ts';
import type { NamespaceSet } from './namespace-access.ts';
import type { KubeObject, ResourceType } from './resources.ts';
import type { IndexFunc } from './store.ts';

export class FollowingNamespacesCache<T extends KubeObject> extends MultiNamespaceCache<T> {
  private readonly handlers = new Map<InformerHandler<T>, (() => void)[]>();
  private readonly indexes = new Map<string, IndexFunc<T>>();
  private readonly make: (namespace: string) => Informer<T>;
  private readonly source: NamespaceSet;
  private readonly log: Logger;
  private unfollow: (() => void) | undefined;

  /** `make` builds the informer of one namespace; `source` decides which namespaces are followed. */
  constructor(
    type: ResourceType<T>,
    source: NamespaceSet,
    make: (namespace: string) => Informer<T>,
    log: Logger,
  ) {
    super(type, new Map());
    this.source = source;
    this.make = make;
    this.log = log;
  }

  /** Follows the source: an informer starts for each namespace it gains, and stops when it loses it. */
  start(): void {
    this.unfollow ??= this.source.subscribe((namespace, present) => {
      this.follow(namespace, present);
    });
  }

  async stop(): Promise<void> {
    this.unfollow?.();
    this.unfollow = undefined;
    const informers = [...this.byNamespace.values()];
    this.byNamespace.clear();
    await Promise.all(informers.map((i) => i.stop()));
  }

  private follow(namespace: string, wanted: boolean): void {
    const informer = this.byNamespace.get(namespace);
    if (wanted && !informer) {
      const added = this.make(namespace);
      for (const [name, fn] of this.indexes) added.addIndex(name, fn);
      for (const [handler, removers] of this.handlers) removers.push(added.addHandler(handler));
      this.byNamespace.set(namespace, added);
      added.start();
      this.log.debug({ namespace, kind: this.type.kind }, 'following namespace');
    } else if (!wanted && informer) {
      this.byNamespace.delete(namespace);
      void informer.stop();
      this.log.debug({ namespace, kind: this.type.kind }, 'no longer following namespace');
    }
  }

  /** Whether `namespace` is followed and its first list is in: until then, absence means nothing. */
  hasSyncedNamespace(namespace: string): boolean {
    return this.byNamespace.get(namespace)?.hasSynced() ?? false;
  }

  override addIndex(name: string, fn: IndexFunc<T>): void {
    const known = this.indexes.get(name);
    if (known && known !== fn)
      throw new Error(`${this.type.kind}: index ${name} already has another function`);
    this.indexes.set(name, fn);
    for (const i of this.informers) i.addIndex(name, fn);
  }

  override addHandler(handler: InformerHandler<T>): () => void {
    this.handlers.set(
      handler,
      this.informers.map((i) => i.addHandler(handler)),
    );
    return () => {
      for (const remove of this.handlers.get(handler) ?? []) remove();
      this.handlers.delete(handler);
    };
  }

  /** Synced once the source has synced and so has every namespace followed so far. */
  override hasSynced(): boolean {
    return this.source.hasSynced() && this.informers.every((i) => i.hasSynced());
  }

  override async waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (!(await this.source.waitForSync(signal))) return false;
    const results = await Promise.all(this.informers.map((i) => i.waitForSync(signal)));
    return results.every(Boolean);
  }
}
