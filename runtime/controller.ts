// A controller: event handlers that turn cache changes into keys, a work queue, and workers that call
// a level-triggered reconciler with the key only (it reads the current state from the cache itself).
// The queue guarantees one key is never reconciled by two workers at once.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { ApiError, classifyError, type Classified } from './errors.ts';
import type { Priority } from './fairqueue.ts';
import type { Cache } from './informer.ts';
import type { RuntimeMetrics } from './metrics.ts';
import type { RateLimiter } from './ratelimit.ts';
import { keyOf, splitKey, type KubeObject, type ResourceType } from './resources.ts';
import { WorkQueue } from './workqueue.ts';

export interface Request {
  key: string;
  namespace: string | undefined;
  name: string;
}

export interface ReconcileResult {
  /** Retry with the queue's back-off (for "not yet", e.g. waiting on another object). */
  requeue?: boolean;
  /** Reconcile again after this delay (deadlines: expiry, warnings); exact, no polling. */
  requeueAfterMs?: number;
}

export interface ReconcileContext {
  log: Logger;
  reconcileId: string;
  /** Aborted when the controller shuts down; pass it to long requests. */
  signal: AbortSignal;
}

// eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- a reconciler with nothing to requeue just returns
export type Reconciler = (req: Request, ctx: ReconcileContext) => Promise<ReconcileResult | undefined | void>;

/**
 * Whether an update matters to the watcher (controller-runtime's predicates); adds and deletes always
 * do. `generationChanged` ignores status-only and metadata-only updates.
 */
export type UpdatePredicate = (old: KubeObject, obj: KubeObject) => boolean;

export const generationChanged: UpdatePredicate = (old, obj) =>
  old === obj || old.metadata.generation !== obj.metadata.generation;

/** Maps a changed object to the keys to reconcile (its own key, its owner's key, ...). */
export type KeyMapper<T extends KubeObject> = (obj: T) => string | string[] | undefined;

export interface ControllerOptions {
  name: string;
  reconcile: Reconciler;
  workers?: number;
  rateLimiter?: RateLimiter<string>;
  log: Logger;
  metrics?: RuntimeMetrics;
  /** Told about errors that will not be retried (invalid objects, TerminalError), e.g. to write status. */
  onTerminalError?: (req: Request, error: Classified) => Promise<void> | void;
}

interface Run {
  queue: WorkQueue;
  signal: AbortSignal;
}

export class Controller {
  readonly name: string;
  private workQueue: WorkQueue;
  private readonly options: ControllerOptions;
  private readonly log: Logger;
  private readonly metrics: RuntimeMetrics | undefined;
  private readonly watches: {
    cache: Cache<KubeObject>;
    map: KeyMapper<KubeObject>;
    predicate: UpdatePredicate | undefined;
  }[] = [];
  private readonly removers: (() => void)[] = [];
  private abort = new AbortController();
  private workers: Promise<void>[] = [];
  private started = false;
  private stopped = false;

  constructor(options: ControllerOptions) {
    this.name = options.name;
    this.options = options;
    this.metrics = options.metrics;
    this.log = options.log.child({ controller: options.name });
    this.workQueue = this.newQueue();
  }

  /** The current run's queue (a stopped controller starts again with a new one). */
  get queue(): WorkQueue {
    return this.workQueue;
  }

  private newQueue(): WorkQueue {
    return new WorkQueue({
      name: this.options.name,
      controller: this.options.name,
      rateLimiter: this.options.rateLimiter,
      metrics: this.options.metrics,
    });
  }

  get workerCount(): number {
    return this.options.workers ?? 1;
  }

  /** Reconciles the keys `map` returns whenever an object in `cache` changes. Call before start(). */
  watch<T extends KubeObject>(cache: Cache<T>, map: KeyMapper<T> = keyOf, predicate?: UpdatePredicate): this {
    this.watches.push({ cache: cache, map: map as KeyMapper<KubeObject>, predicate });
    return this;
  }

  /**
   * Registers handlers, waits for the caches, then runs the workers until stop(). A stopped controller
   * may start again (a replica that lost the lease and won it back) with a fresh queue: the caches
   * replay every object to the new handlers, so nothing is missed.
   */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    if (this.stopped) {
      this.stopped = false;
      this.abort = new AbortController();
      this.workQueue = this.newQueue();
    }
    for (const { cache, map, predicate } of this.watches) {
      const enqueue = (obj: KubeObject, priority: Priority = 'high') => {
        const keys = map(obj);
        if (keys === undefined) return;
        for (const key of Array.isArray(keys) ? keys : [keys]) this.queue.add(key, priority);
      };
      this.removers.push(
        cache.addHandler({
          // New objects wait behind changes to known ones: a burst of new sessions must not delay
          // the one whose pod just became Running (controller-runtime's priority queue does the same).
          onAdd: (obj) => {
            enqueue(obj, 'low');
          },
          onUpdate: (old, obj) => {
            if (predicate && !predicate(old, obj)) return;
            // Both: an owner reference or label may have moved the object to another key.
            if (old !== obj) enqueue(old);
            // A resync of an unchanged object is a safety net, not news: low priority.
            enqueue(obj, old === obj ? 'low' : 'high');
          },
          onDelete: (obj) => {
            enqueue(obj);
          },
        }),
      );
    }
    const synced = await Promise.all(this.watches.map((w) => w.cache.waitForSync(this.abort.signal)));
    if (!synced.every(Boolean)) return;
    const workers = this.workerCount;
    this.metrics?.maxConcurrentReconciles.set({ controller: this.name }, workers);
    this.metrics?.activeWorkers.set({ controller: this.name }, 0);
    this.log.info({ workers }, 'starting workers');
    const run = { queue: this.queue, signal: this.abort.signal };
    this.workers = Array.from({ length: workers }, () => this.worker(run));
  }

  /** See WorkQueue.retryFailedNow; the manager calls it when the API server recovers. */
  retryFailedNow(): number {
    return this.started ? this.queue.retryFailedNow() : 0;
  }

  /**
   * Stops taking work and waits up to `timeoutMs` for reconciles in flight. `cancel` aborts their
   * signal first (leadership lost: their writes must stop now, not finish).
   */
  async stop(timeoutMs = 30_000, { cancel = false } = {}): Promise<boolean> {
    if (!this.started) return true;
    this.started = false;
    this.stopped = true;
    for (const remove of this.removers.splice(0)) remove();
    if (cancel) this.abort.abort();
    const drained = await this.queue.drain(timeoutMs);
    this.abort.abort();
    if (drained) await Promise.all(this.workers);
    else this.log.warn({ timeoutMs }, 'reconciles still running at shutdown');
    return drained;
  }

  /** Workers keep their run's queue and signal: a late worker of a stopped run never takes new work. */
  private async worker(run: Run): Promise<void> {
    for (let key = await run.queue.get(); key !== undefined; key = await run.queue.get()) {
      try {
        await this.process(key, run);
      } finally {
        run.queue.done(key);
      }
    }
  }

  private async process(key: string, { queue, signal }: Run): Promise<void> {
    const reconcileId = randomUUID();
    const log = this.log.child({ key, reconcileID: reconcileId });
    const { namespace, name } = splitKey(key);
    const req: Request = { key, namespace, name };
    const labels = { controller: this.name };
    this.metrics?.activeWorkers.inc(labels);
    const started = performance.now();
    let result: string;
    try {
      const outcome = await this.options.reconcile(req, { log, reconcileId, signal });
      if (outcome && (outcome.requeueAfterMs ?? 0) > 0) {
        queue.forget(key);
        queue.addAfter(key, outcome.requeueAfterMs ?? 0);
        result = 'requeue_after';
      } else if (outcome?.requeue) {
        queue.addRateLimited(key);
        result = 'requeue';
      } else {
        queue.forget(key);
        result = 'success';
      }
      log.debug({ durationMs: round(performance.now() - started), result }, 'reconciled');
    } catch (err) {
      result = 'error';
      this.metrics?.reconcileErrors.inc(labels);
      const classified = classifyError(err);
      const durationMs = round(performance.now() - started);
      switch (classified.action) {
        case 'requeue-now':
        case 'backoff':
          // Throttled (429) or unavailable with a Retry-After: not before the API server asks.
          queue.addRateLimited(key, err instanceof ApiError ? err.retryAfterMs : 0);
          log.info(
            {
              durationMs,
              reason: classified.reason,
              retries: queue.numRequeues(key),
              err: classified.message,
            },
            'reconcile failed; will retry',
          );
          break;
        case 'done':
          queue.forget(key);
          log.debug({ durationMs, reason: classified.reason }, 'object gone during reconcile');
          break;
        case 'no-retry':
          queue.forget(key);
          this.metrics?.terminalReconcileErrors.inc(labels);
          log.error(
            { durationMs, reason: classified.reason, err: classified.message },
            'reconcile failed; not retrying',
          );
          try {
            await this.options.onTerminalError?.(req, classified);
          } catch (hookErr) {
            log.error({ err: hookErr }, 'terminal error hook failed');
          }
          break;
      }
    } finally {
      this.metrics?.activeWorkers.dec(labels);
    }
    this.metrics?.reconcileTotal.inc({ ...labels, result });
    this.metrics?.reconcileTime.observe(labels, (performance.now() - started) / 1000);
  }
}

/** Maps an owned object to its controlling owner's key, if that owner is of `ownerType`. */
export function toControllerOwner<T extends KubeObject>(ownerType: ResourceType): KeyMapper<T> {
  const apiGroup = ownerType.group;
  return (obj) => {
    const ref = obj.metadata.ownerReferences?.find((r) => r.controller === true);
    if (ref?.kind !== ownerType.kind) return undefined;
    const refGroup = ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[0] : '';
    if (refGroup !== apiGroup) return undefined;
    return ownerType.namespaced ? `${obj.metadata.namespace ?? ''}/${ref.name}` : ref.name;
  };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
