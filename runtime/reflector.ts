// The reflector keeps a sink in step with the API server: a paginated list, then a watch from the
// list's resourceVersion, resumed from the last seen resourceVersion after every stream end.
// - 410 Gone (the resourceVersion was compacted away): relist; the sink diffs and reports the gap.
// - Any other failure: retry with exponential back-off and jitter (1 s to 30 s), never a hot loop.
// - Watchdog: a stalled proxy or a half-open connection sends nothing and never closes. The API
//   server sends a BOOKMARK about every minute on an idle watch that asks for them, so a stream with
//   no byte for `silenceTimeoutMs` (2 minutes) is dead: it is destroyed and the watch resumed from the
//   last resourceVersion (reason "silent"). A stream still open `watchdogGraceMs` past its own
//   timeoutSeconds is ended too (reason "watchdog"), whatever it sends.
// - A periodic full relist repairs anything a bug or a lost event could have left behind.
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { Backoff, type BackoffOptions } from './backoff.ts';
import { isGone, type StatusBody } from './errors.ts';
import type { RuntimeMetrics } from './metrics.ts';
import {
  apiVersionOf,
  collectionPath,
  type KubeObject,
  type ObjectList,
  type ResourceType,
} from './resources.ts';
import type { RestClient } from './rest.ts';
import { sleep } from './time.ts';

export type RelistReason = 'initial' | 'gone' | 'periodic' | 'error';
export type WatchEnd = 'closed' | 'silent' | 'watchdog' | 'error' | 'gone' | 'stopped';

/**
 * How long a watch stream may send nothing before it is taken for dead. kube-apiserver sends a
 * BOOKMARK on an idle watch about every 60 s (measured on v1.34: 59.3 to 60.9 s apart, see
 * docs/drills.md), so two intervals: one bookmark late is tolerated, a stalled path is noticed
 * within two minutes instead of the watch's own timeout (5 to 10 minutes).
 */
export const DEFAULT_WATCH_SILENCE_MS = 120_000;

export interface ReflectorSink<T extends KubeObject> {
  replace(items: T[], reason: RelistReason): void;
  watchEvent(type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: T): void;
}

export interface ReflectorOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  pageSize?: number;
  /** Watch timeout bounds in seconds; each watch draws from [min, max) (client-go: 5 to 10 minutes). */
  watchTimeoutSeconds?: [number, number];
  /** How long past its timeoutSeconds a stream may stay open before the watchdog ends it. */
  watchdogGraceMs?: number;
  /** How long a stream may send no byte (no event, no bookmark) before the watchdog ends it. */
  silenceTimeoutMs?: number;
  relistPeriodMs?: number;
  backoff?: Partial<BackoffOptions>;
  /** A watch that lasted this long (or delivered events) counts as healthy and resets the back-off. */
  healthyAfterMs?: number;
}

interface WatchResult {
  end: WatchEnd;
  rv: string;
  events: number;
  openMs: number;
  /** Delivered events, or stayed open long enough: the connection works, the back-off may reset. */
  healthy: boolean;
  error?: unknown;
}

export class Reflector<T extends KubeObject> {
  readonly description: string;
  private readonly client: RestClient;
  private readonly type: ResourceType;
  private readonly sink: ReflectorSink<T>;
  private readonly log: Logger;
  private readonly metrics: RuntimeMetrics | undefined;
  private readonly options: Required<
    Omit<ReflectorOptions, 'namespace' | 'labelSelector' | 'fieldSelector' | 'backoff'>
  > &
    ReflectorOptions;
  private readonly backoff: Backoff;
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;
  private lastSyncRv = '';
  private goneInARow = 0;

  constructor(
    client: RestClient,
    type: ResourceType,
    sink: ReflectorSink<T>,
    log: Logger,
    options: ReflectorOptions = {},
    metrics?: RuntimeMetrics,
  ) {
    this.client = client;
    this.type = type;
    this.sink = sink;
    this.metrics = metrics;
    this.options = {
      pageSize: 500,
      watchTimeoutSeconds: [300, 600],
      watchdogGraceMs: 30_000,
      silenceTimeoutMs: DEFAULT_WATCH_SILENCE_MS,
      relistPeriodMs: 30 * 60_000,
      healthyAfterMs: 5000,
      ...options,
    };
    // A 10 s cap (not client-go's 30 s): after an outage the first retry that gets through wakes every
    // informer (waitOut), and without leader election nothing else polls, so the cap bounds catch-up.
    this.backoff = new Backoff({ maxMs: 10_000, ...options.backoff });
    const where = options.namespace ? ` in ${options.namespace}` : '';
    const sel = options.labelSelector ? ` (${options.labelSelector})` : '';
    this.description = `${type.plural}${type.group ? '.' + type.group : ''}${where}${sel}`;
    this.log = log.child({ informer: this.description });
  }

  /** The resourceVersion of the last list, watch event or bookmark. */
  get resourceVersion(): string {
    return this.lastSyncRv;
  }

  start(): void {
    this.running ??= this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  // A method, not a getter: TypeScript would keep a narrowed value across awaits.
  private isStopped(): boolean {
    return this.abort.signal.aborted;
  }

  private async run(): Promise<void> {
    let reason: RelistReason = 'initial';
    while (!this.isStopped()) {
      try {
        await this.list(reason);
      } catch (err) {
        if (this.isStopped()) break;
        const delay = this.backoff.next();
        this.log.warn({ err: describe(err), retryInMs: delay }, 'list failed');
        reason = 'error';
        await this.waitOut(delay);
        continue;
      }
      reason = await this.watchUntilRelist();
    }
  }

  /** Waits out a back-off, or less if any request to the API server succeeds meanwhile. */
  private async waitOut(delay: number): Promise<void> {
    const done = new AbortController();
    const stop = () => {
      done.abort();
    };
    this.abort.signal.addEventListener('abort', stop, { once: true });
    try {
      await Promise.race([sleep(delay, done.signal), this.client.recovered(done.signal)]);
    } finally {
      done.abort();
      this.abort.signal.removeEventListener('abort', stop);
    }
  }

  private async list(reason: RelistReason): Promise<void> {
    const path = collectionPath(this.type, this.options.namespace);
    const items: T[] = [];
    let cont: string | undefined;
    let rv: string;
    do {
      const page = await this.client.get<ObjectList<T>>(path, {
        query: {
          limit: this.options.pageSize,
          continue: cont,
          labelSelector: this.options.labelSelector,
          fieldSelector: this.options.fieldSelector,
        },
        timeoutMs: 60_000,
        signal: this.abort.signal,
      });
      for (const item of page.items) items.push(this.withKind(item));
      cont = page.metadata.continue || undefined;
      rv = page.metadata.resourceVersion ?? '';
    } while (cont);
    if (this.isStopped()) return;
    this.metrics?.informerRelists.inc({ resource: this.type.plural, reason });
    this.lastSyncRv = rv;
    this.log.debug({ reason, count: items.length, resourceVersion: rv }, 'listed');
    this.sink.replace(items, reason);
  }

  /** Watches from the last resourceVersion until a relist is needed; returns why. */
  private async watchUntilRelist(): Promise<RelistReason> {
    const period = this.options.relistPeriodMs;
    const relistAt = performance.now() + period * (0.9 + 0.2 * Math.random());
    while (!this.isStopped()) {
      const remaining = relistAt - performance.now();
      if (remaining <= 0) return 'periodic';
      const result = await this.watchOnce(Math.ceil(remaining / 1000));
      if (result.end === 'stopped') break;
      this.metrics?.informerWatchRestarts.inc({ resource: this.type.plural, reason: result.end });
      const healthy = result.healthy;
      if (healthy) {
        this.backoff.reset();
        this.goneInARow = 0;
      }
      if (result.end === 'gone') {
        this.log.info({ resourceVersion: result.rv }, 'resourceVersion expired (410 Gone): relisting');
        // Two 410s in a row without progress would otherwise loop list/watch without pause.
        if (++this.goneInARow > 1) await sleep(this.backoff.next(), this.abort.signal);
        return 'gone';
      }
      if (result.end === 'error' || (result.end === 'closed' && !healthy)) {
        const delay = this.backoff.next();
        this.log.warn({ err: describe(result.error), end: result.end, retryInMs: delay }, 'watch failed');
        await this.waitOut(delay);
      } else if (result.end === 'silent') {
        this.log.warn(
          { resourceVersion: result.rv, silentMs: this.options.silenceTimeoutMs },
          'watch stream sent nothing (not even a bookmark) for too long: restarted from the last resourceVersion',
        );
      } else if (result.end === 'watchdog') {
        this.log.warn({ resourceVersion: result.rv }, 'watch stream open past its timeout: restarted');
      }
    }
    return 'initial';
  }

  private async watchOnce(maxSeconds: number): Promise<WatchResult> {
    const [min, max] = this.options.watchTimeoutSeconds;
    const timeoutSeconds = Math.max(1, Math.min(maxSeconds, Math.floor(min + Math.random() * (max - min))));
    let rv = this.lastSyncRv;
    const healthyAfterMs = Math.min(this.options.healthyAfterMs, timeoutSeconds * 900);
    const result = (end: WatchEnd, events = 0, openMs = 0, error?: unknown): WatchResult => ({
      end,
      rv,
      events,
      openMs,
      healthy: events > 0 || openMs >= healthyAfterMs,
      error,
    });
    let res: IncomingMessage;
    try {
      res = await this.client.stream(collectionPath(this.type, this.options.namespace), {
        query: {
          watch: true,
          resourceVersion: rv,
          allowWatchBookmarks: true,
          timeoutSeconds,
          labelSelector: this.options.labelSelector,
          fieldSelector: this.options.fieldSelector,
        },
        signal: this.abort.signal,
      });
    } catch (err) {
      if (this.isStopped()) return result('stopped');
      return result(isGone(err) ? 'gone' : 'error', 0, 0, err);
    }
    const opened = performance.now();
    const deadline = opened + timeoutSeconds * 1000 + this.options.watchdogGraceMs;
    const silenceMs = this.options.silenceTimeoutMs;
    let lastByteAt = opened;
    let events = 0;
    return new Promise((resolve) => {
      let finished = false;
      let watchdog: NodeJS.Timeout | undefined;
      const finish = (end: WatchEnd, error?: unknown) => {
        if (finished) return;
        finished = true;
        clearTimeout(watchdog);
        this.abort.signal.removeEventListener('abort', onStop);
        res.destroy();
        resolve(result(this.isStopped() ? 'stopped' : end, events, performance.now() - opened, error));
      };
      const onStop = () => {
        finish('stopped');
      };
      this.abort.signal.addEventListener('abort', onStop, { once: true });
      // One timer, re-armed for whichever comes first: the silence limit counted from the last byte,
      // or the deadline past timeoutSeconds (not reset per byte: a busy watch costs no timer work).
      const arm = () => {
        const now = performance.now();
        if (now - lastByteAt >= silenceMs) {
          finish('silent');
          return;
        }
        if (now >= deadline) {
          finish('watchdog');
          return;
        }
        watchdog = setTimeout(arm, Math.max(1, Math.min(lastByteAt + silenceMs, deadline) - now));
      };
      arm();
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        lastByteAt = performance.now();
        buffer += chunk;
        for (let nl = buffer.indexOf('\n'); nl >= 0 && !finished; nl = buffer.indexOf('\n')) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (line.trim() === '') continue;
          let event: { type: string; object: T };
          try {
            event = JSON.parse(line) as { type: string; object: T };
          } catch (err) {
            finish('error', err);
            return;
          }
          switch (event.type) {
            case 'ADDED':
            case 'MODIFIED':
            case 'DELETED': {
              const obj = this.withKind(event.object);
              rv = obj.metadata.resourceVersion ?? rv;
              this.lastSyncRv = rv;
              events++;
              this.sink.watchEvent(event.type, obj);
              break;
            }
            case 'BOOKMARK':
              rv = event.object.metadata.resourceVersion ?? rv;
              this.lastSyncRv = rv;
              break;
            case 'ERROR': {
              const status = event.object as unknown as StatusBody;
              finish(
                status.code === 410 ? 'gone' : 'error',
                new Error(`watch error: ${status.message ?? ''}`),
              );
              return;
            }
            default:
              finish('error', new Error(`unknown watch event type ${event.type}`));
              return;
          }
        }
      });
      res.on('end', () => {
        finish('closed');
      });
      res.on('error', (err) => {
        finish('error', err);
      });
      res.on('close', () => {
        finish('error', new Error('watch connection closed'));
      });
    });
  }

  /**
   * Every object on its way into the cache: kind filled in (list items lack it), and managedFields
   * dropped (no reconciler reads them, and they are often the larger part of an object).
   */
  private withKind(obj: T): T {
    obj.apiVersion ??= apiVersionOf(this.type);
    obj.kind ??= this.type.kind;
    delete (obj.metadata as { managedFields?: unknown }).managedFields;
    return obj;
  }
}

function describe(err: unknown): string | undefined {
  if (err === undefined) return undefined;
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : JSON.stringify(err);
}
