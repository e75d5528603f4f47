// Kubernetes Events (events.k8s.io/v1) about the objects the operator manages. A repeat of the same
// event (same object, type, reason, action and note) within the window becomes a series on the first
// Event (series.count, lastObservedTime) instead of a new object, so a retry loop cannot flood etcd.
// Recording never fails a reconcile: errors are logged.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { mergePatch } from './apply.ts';
import { Events, collectionPath, type KubeObject } from './resources.ts';
import type { RestClient } from './rest.ts';
import { microTime } from './time.ts';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorderOptions {
  client: RestClient;
  log: Logger;
  controller?: string;
  /** This replica (pod name); Events name it as reportingInstance. */
  instance: string;
  windowMs?: number;
  maxTracked?: number;
  now?: () => Date;
}

interface Tracked {
  namespace: string;
  name: string | undefined;
  count: number;
  firstSeen: number;
  /** Serializes writes of one series: create first, then patches in order. */
  chain: Promise<void>;
}

const noteLimit = 1024;

export class EventRecorder {
  private readonly o: EventRecorderOptions & { controller: string; windowMs: number; maxTracked: number };
  private readonly tracked = new Map<string, Tracked>();
  private readonly now: () => Date;

  constructor(options: EventRecorderOptions) {
    this.o = { controller: 'daas-operator', windowMs: 10 * 60_000, maxTracked: 4096, ...options };
    this.now = options.now ?? (() => new Date());
  }

  /** Records an event; the returned promise (ignorable) settles when it is written. */
  record(
    regarding: KubeObject,
    type: EventType,
    reason: string,
    action: string,
    note: string,
  ): Promise<void> {
    const { uid, name, namespace } = regarding.metadata;
    const key = JSON.stringify([uid ?? name, namespace, type, reason, action, note]);
    const now = this.now();
    let t = this.tracked.get(key);
    if (t && now.getTime() - t.firstSeen > this.o.windowMs) {
      this.tracked.delete(key);
      t = undefined;
    }
    if (!t) {
      t = {
        namespace: namespace ?? 'default',
        name: undefined,
        count: 0,
        firstSeen: now.getTime(),
        chain: Promise.resolve(),
      };
      this.tracked.set(key, t);
      this.evict();
    } else {
      // Keep recently used series at the end of the map (eviction takes the oldest first).
      this.tracked.delete(key);
      this.tracked.set(key, t);
    }
    const series = t;
    series.count++;
    const count = series.count;
    series.chain = series.chain.then(async () => {
      try {
        if (series.name === undefined) {
          series.name = await this.create(regarding, series.namespace, type, reason, action, note, now);
        } else if (count === series.count) {
          // Only the newest pending repeat is written: a burst becomes one patch.
          await mergePatch(this.o.client, Events, series.namespace, series.name, {
            series: { count, lastObservedTime: microTime(this.now()) },
          });
        }
      } catch (err) {
        this.o.log.warn({ err: (err as Error).message, reason, object: name }, 'could not record event');
      }
    });
    return series.chain;
  }

  private async create(
    regarding: KubeObject,
    namespace: string,
    type: EventType,
    reason: string,
    action: string,
    note: string,
    now: Date,
  ): Promise<string> {
    const { uid, name, resourceVersion } = regarding.metadata;
    const body = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: `${name ?? 'object'}.${randomBytes(8).toString('hex')}`, namespace },
      eventTime: microTime(now),
      reportingController: this.o.controller,
      reportingInstance: this.o.instance,
      action,
      reason,
      type,
      note: note.length > noteLimit ? note.slice(0, noteLimit - 3) + '...' : note,
      regarding: {
        apiVersion: regarding.apiVersion,
        kind: regarding.kind,
        name,
        namespace: regarding.metadata.namespace,
        uid,
        resourceVersion,
      },
    };
    const created = await this.o.client.request<KubeObject>('POST', collectionPath(Events, namespace), {
      body,
    });
    return created.metadata.name ?? body.metadata.name;
  }

  private evict(): void {
    for (const key of this.tracked.keys()) {
      if (this.tracked.size <= this.o.maxTracked) break;
      this.tracked.delete(key);
    }
  }
}
