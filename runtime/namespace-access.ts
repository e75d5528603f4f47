// The namespaces this process may work in, when access is granted namespace by namespace: among
// candidates (those where the RoleBindings that grant it exist, or the fixed `--namespaces`), the ones
// where a SelfSubjectAccessReview says the grant is in force (the API server's authorizer takes a moment to apply a new binding, and
// a request made before would be refused). Caches that follow these namespaces and controllers that
// write there ask it first, so granting access never costs a refused request.
import type { Logger } from 'pino';
import { Backoff } from './backoff.ts';
import type { Cache } from './informer.ts';
import type { KubeObject } from './resources.ts';
import type { RestClient } from './rest.ts';

/** A set of namespaces that changes while the process runs. */
export interface NamespaceSet {
  has(namespace: string): boolean;
  list(): string[];
  /** Called with each namespace gained (true) or lost (false); returns the unsubscribe function. */
  subscribe(listener: (namespace: string, present: boolean) => void): () => void;
  hasSynced(): boolean;
  waitForSync(signal?: AbortSignal): Promise<boolean>;
}

/** What the review asks: may this process `verb` `resource` in the namespace. */
export interface AccessCheck {
  verb: string;
  resource: string;
  group?: string;
}

interface Review {
  status?: { allowed?: boolean };
}

export class NamespaceAccess implements NamespaceSet {
  private readonly granted = new Set<string>();
  private readonly probing = new Map<string, AbortController>();
  private readonly listeners = new Set<(namespace: string, present: boolean) => void>();
  private unfollow: (() => void) | undefined;
  private readonly client: RestClient;
  private readonly candidates: NamespaceSet;
  private readonly check: AccessCheck;
  private readonly log: Logger;

  constructor(client: RestClient, candidates: NamespaceSet, check: AccessCheck, log: Logger) {
    this.client = client;
    this.candidates = candidates;
    this.check = check;
    this.log = log;
  }

  start(): void {
    this.unfollow ??= this.candidates.subscribe((namespace, present) => {
      this.update(namespace, present);
    });
  }

  stop(): Promise<void> {
    this.unfollow?.();
    this.unfollow = undefined;
    for (const probe of this.probing.values()) probe.abort();
    this.probing.clear();
    return Promise.resolve();
  }

  has(namespace: string): boolean {
    return this.granted.has(namespace);
  }

  list(): string[] {
    return [...this.granted];
  }

  subscribe(listener: (namespace: string, present: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Synced once the candidates are known and each has been reviewed until its grant is in force. */
  hasSynced(): boolean {
    return this.candidates.hasSynced() && this.probing.size === 0;
  }

  async waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (!(await this.candidates.waitForSync(signal))) return false;
    while (this.probing.size > 0 && !signal?.aborted) await new Promise((r) => setTimeout(r, 50));
    return !signal?.aborted;
  }

  private update(namespace: string, wanted: boolean): void {
    if (wanted && !this.granted.has(namespace) && !this.probing.has(namespace)) {
      const probe = new AbortController();
      this.probing.set(namespace, probe);
      void this.probe(namespace, probe.signal).finally(() => {
        if (this.probing.get(namespace) === probe) this.probing.delete(namespace);
      });
    } else if (!wanted) {
      this.probing.get(namespace)?.abort();
      this.probing.delete(namespace);
      if (this.granted.delete(namespace)) this.notify(namespace, false);
    }
  }

  /** Reviews until the grant is in force (or the namespace is no longer wanted). */
  private async probe(namespace: string, signal: AbortSignal): Promise<void> {
    const backoff = new Backoff({ initialMs: 50, maxMs: 5_000, factor: 2, jitter: 0.2 });
    // A function, so the check after each await reads the signal again.
    const aborted = () => signal.aborted;
    while (!aborted()) {
      const allowed = await this.review(namespace).catch((err: unknown) => {
        this.log.warn({ err, namespace }, 'access review failed');
        return false;
      });
      if (aborted()) return;
      if (allowed) {
        this.granted.add(namespace);
        this.notify(namespace, true);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, backoff.next()));
    }
  }

  private async review(namespace: string): Promise<boolean> {
    const { verb, resource, group = '' } = this.check;
    const review = await this.client.request<Review>(
      'POST',
      '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      {
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: { resourceAttributes: { namespace, verb, resource, group } },
        },
      },
    );
    return review.status?.allowed === true;
  }

  private notify(namespace: string, present: boolean): void {
    for (const listener of this.listeners) {
      try {
        listener(namespace, present);
      } catch (err) {
        this.log.error({ err, namespace }, 'namespace access listener threw');
      }
    }
  }
}

/** The namespaces where a cache holds at least one object (e.g. the RoleBindings that grant access). */
export class NamespacesOfCache implements NamespaceSet {
  private readonly cache: Cache<KubeObject>;
  constructor(cache: Cache<KubeObject>) {
    this.cache = cache;
  }
  has(namespace: string): boolean {
    return this.cache.list(namespace).length > 0;
  }
  list(): string[] {
    return [...new Set(this.cache.list().map((o) => o.metadata.namespace ?? ''))].filter(Boolean);
  }
  subscribe(listener: (namespace: string, present: boolean) => void): () => void {
    const changed = (obj: KubeObject) => {
      const namespace = obj.metadata.namespace;
      if (namespace) listener(namespace, this.has(namespace));
    };
    return this.cache.addHandler({ onAdd: changed, onDelete: changed });
  }
  hasSynced(): boolean {
    return this.cache.hasSynced();
  }
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    return this.cache.waitForSync(signal);
  }
}

/** A fixed set (the operator's `--namespaces`): every namespace in it, from the start. */
export class FixedNamespaces implements NamespaceSet {
  private readonly namespaces: ReadonlySet<string>;
  constructor(namespaces: readonly string[]) {
    this.namespaces = new Set(namespaces);
  }
  has(namespace: string): boolean {
    return this.namespaces.has(namespace);
  }
  list(): string[] {
    return [...this.namespaces];
  }
  subscribe(listener: (namespace: string, present: boolean) => void): () => void {
    for (const namespace of this.namespaces) listener(namespace, true);
    return () => undefined;
  }
  hasSynced(): boolean {
    return true;
  }
  waitForSync(): Promise<boolean> {
    return Promise.resolve(true);
  }
}
