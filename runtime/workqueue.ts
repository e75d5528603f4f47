// A rate-limited, delaying work queue after client-go's workqueue:
// - a key waiting in the queue is held once (adds de-duplicate);
// - keys leave by priority, then round-robin between namespaces (fairqueue.ts);
// - a key being processed is never handed to a second worker; adding it meanwhile marks it dirty and
//   it is queued again when the first worker calls done();
// - addAfter() keeps one timer for the earliest deadline (a heap), so requeueAfter is exact without polling;
// - addRateLimited() waits per-item exponential back-off and an overall token bucket;
// - shutDown() refuses new work, wakes idle workers, and drain() waits for in-flight items only: queued
//   items are dropped, since reconcilers are level-triggered and the next leader relists anyway.
import { FairQueue, type Priority } from './fairqueue.ts';
import { MinHeap } from './heap.ts';
import type { RuntimeMetrics } from './metrics.ts';
import { defaultControllerRateLimiter, type RateLimiter } from './ratelimit.ts';

export interface WorkQueueOptions {
  name: string;
  controller?: string;
  rateLimiter?: RateLimiter<string>;
  metrics?: RuntimeMetrics;
  /** Monotonic milliseconds; injectable for tests. */
  now?: () => number;
}

interface Delayed {
  at: number;
  key: string;
}

export class WorkQueue {
  private readonly queue = new FairQueue();
  /** Keys waiting out an API server's Retry-After (429), not just their own back-off. */
  private readonly throttled = new Set<string>();
  /** Keys to process (waiting, or again after the current pass), with the priority asked for. */
  private readonly dirty = new Map<string, Priority>();
  private readonly processing = new Map<string, number>();
  private readonly enqueuedAt = new Map<string, number>();
  private readonly waiting = new Map<string, number>();
  private readonly delayed = new MinHeap<Delayed>((a, b) => a.at < b.at);
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private readonly getters: ((key: string | undefined) => void)[] = [];
  private drainers: (() => void)[] = [];
  private shuttingDown = false;
  private readonly rateLimiter: RateLimiter<string>;
  private readonly now: () => number;
  private readonly metrics: RuntimeMetrics | undefined;
  private readonly labels: { name: string; controller: string };
  private readonly probe = () => {
    this.updateUnfinished();
  };

  constructor(options: WorkQueueOptions) {
    this.rateLimiter = options.rateLimiter ?? defaultControllerRateLimiter<string>();
    this.now = options.now ?? (() => performance.now());
    this.metrics = options.metrics;
    this.labels = { name: options.name, controller: options.controller ?? options.name };
    this.metrics?.scrapeProbes.add(this.probe);
  }

  /** Number of keys waiting to be handed to a worker (not counting delayed or in-flight keys). */
  get length(): number {
    return this.queue.length;
  }

  get inFlight(): number {
    return this.processing.size;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /**
   * Queues `key` unless it already waits at this priority or higher. `low` is for objects a cache
   * has just added (a burst of new sessions); everything else jumps ahead of them.
   */
  add(key: string, priority: Priority = 'high'): void {
    if (this.shuttingDown) return;
    const asked = this.dirty.get(key);
    if (asked === 'high' || asked === priority) return;
    if (asked === undefined) this.metrics?.queueAdds.inc(this.labels);
    this.dirty.set(key, priority);
    if (this.processing.has(key)) return;
    this.enqueue(key, priority);
  }

  /** Adds `key` once `ms` have passed; an earlier pending deadline for the same key wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = this.now() + ms;
    const pending = this.waiting.get(key);
    if (pending !== undefined && pending <= at) return;
    this.waiting.set(key, at);
    this.delayed.push({ at, key });
    this.schedule();
  }

  /**
   * Queues `key` after its back-off, and never sooner than `atLeastMs` (an API server's Retry-After):
   * such a key is throttled, and retryFailedNow leaves it waiting.
   */
  addRateLimited(key: string, atLeastMs = 0): void {
    if (this.shuttingDown) return;
    this.metrics?.queueRetries.inc(this.labels);
    if (atLeastMs > 0) this.throttled.add(key);
    else this.throttled.delete(key);
    this.addAfter(key, Math.max(this.rateLimiter.when(key), atLeastMs));
  }

  /** Clears the key's back-off: call after a successful reconcile. */
  forget(key: string): void {
    this.rateLimiter.forget(key);
    this.throttled.delete(key);
  }

  /**
   * Queues now every key waiting out an error back-off (the API server they failed on answers again):
   * after a long outage their per-key back-off may be minutes, and nothing else would wake them.
   */
  retryFailedNow(): number {
    let count = 0;
    for (const key of [...this.waiting.keys()]) {
      // A throttled key waits as the API server asked: retrying it on every success would be a loop.
      if (this.rateLimiter.retries(key) === 0 || this.throttled.has(key)) continue;
      this.waiting.delete(key); // its heap entry is skipped when due
      this.forget(key);
      this.add(key);
      count++;
    }
    return count;
  }

  numRequeues(key: string): number {
    return this.rateLimiter.retries(key);
  }

  /** The next key to process, or undefined once the queue shuts down. Call done(key) afterwards. */
  get(): Promise<string | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    if (this.length > 0) return Promise.resolve(this.take());
    return new Promise((resolve) => this.getters.push(resolve));
  }

  done(key: string): void {
    const started = this.processing.get(key);
    if (started === undefined) return;
    this.processing.delete(key);
    this.metrics?.workDuration.observe(this.labels, (this.now() - started) / 1000);
    if (this.shuttingDown) {
      if (this.processing.size === 0) this.resolveDrainers();
      return;
    }
    const asked = this.dirty.get(key);
    if (asked) this.enqueue(key, asked);
  }

  /** Refuses new keys, drops queued and delayed ones, and releases idle workers. */
  shutDown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.delayed.clear();
    this.waiting.clear();
    this.queue.clear();
    this.dirty.clear();
    this.enqueuedAt.clear();
    this.metrics?.queueDepth.set(this.labels, 0);
    this.metrics?.scrapeProbes.delete(this.probe);
    for (const getter of this.getters.splice(0)) getter(undefined);
    if (this.processing.size === 0) this.resolveDrainers();
  }

  /** Shuts down and resolves when every in-flight key is done, or after `timeoutMs` (false then). */
  async drain(timeoutMs = Infinity): Promise<boolean> {
    this.shutDown();
    if (this.processing.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const drained = new Promise<boolean>((resolve) =>
      this.drainers.push(() => {
        resolve(true);
      }),
    );
    const timedOut = new Promise<boolean>((resolve) => {
      if (Number.isFinite(timeoutMs))
        timer = setTimeout(() => {
          resolve(false);
        }, timeoutMs);
    });
    const result = await Promise.race([drained, timedOut]);
    clearTimeout(timer);
    return result;
  }

  private enqueue(key: string, priority: Priority): void {
    const waiting = this.queue.has(key);
    this.queue.push(key, priority);
    if (waiting) return; // moved up, already counted
    this.enqueuedAt.set(key, this.now());
    this.metrics?.queueDepth.inc(this.labels);
    const getter = this.getters.shift();
    if (getter) getter(this.take());
  }

  private take(): string {
    const key = this.queue.shift() as string;
    this.dirty.delete(key);
    const now = this.now();
    this.processing.set(key, now);
    const at = this.enqueuedAt.get(key);
    this.enqueuedAt.delete(key);
    if (this.metrics) {
      this.metrics.queueDepth.dec(this.labels);
      if (at !== undefined) this.metrics.queueDuration.observe(this.labels, (now - at) / 1000);
    }
    return key;
  }

  private schedule(): void {
    const next = this.delayed.peek();
    if (!next || next.at >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = next.at;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = Infinity;
        this.fire();
      },
      Math.max(0, next.at - this.now()),
    );
    // A pending retry alone must not keep a process alive that is otherwise done.
    this.timer.unref();
  }

  private fire(): void {
    const now = this.now();
    for (let next = this.delayed.peek(); next && next.at <= now; next = this.delayed.peek()) {
      this.delayed.pop();
      // Entries superseded by an earlier deadline for the same key are skipped.
      if (this.waiting.get(next.key) !== next.at) continue;
      this.waiting.delete(next.key);
      this.add(next.key);
    }
    this.schedule();
  }

  private resolveDrainers(): void {
    for (const d of this.drainers.splice(0)) d();
  }

  private updateUnfinished(): void {
    if (!this.metrics) return;
    const now = this.now();
    let total = 0;
    let longest = 0;
    for (const started of this.processing.values()) {
      total += now - started;
      longest = Math.max(longest, now - started);
    }
    this.metrics.unfinishedWork.set(this.labels, total / 1000);
    this.metrics.longestRunningProcessor.set(this.labels, longest / 1000);
  }
}
