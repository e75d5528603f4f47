// The order in which a work queue hands out keys: round-robin between namespaces first, so that a
// proposal's burst of a thousand new sessions does not make another proposal's single session wait;
// then, within a namespace, changes to known objects before objects seen for the first time, so that
// the session whose pod has just become Running is not stuck behind its own proposal's burst. Within
// one namespace and priority, keys leave in arrival order.

/** `high`: updates and deletes, retries, deadlines. `low`: objects the cache has just added. */
export type Priority = 'high' | 'low';

/** The namespace of a `namespace/name` key; '' for cluster-scoped keys. */
export function tenantOf(key: string): string {
  const slash = key.indexOf('/');
  return slash < 0 ? '' : key.slice(0, slash);
}

/** A FIFO that drops consumed entries in chunks. */
class Fifo {
  private items: string[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(key: string): void {
    this.items.push(key);
  }

  shift(): string | undefined {
    if (this.head >= this.items.length) return undefined;
    const key = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return key;
  }
}

interface Lanes {
  high: Fifo;
  low: Fifo;
}

/**
 * Keys waiting for a worker, each held once. A key waiting at low priority that is added again at
 * high priority moves up (its low entry is skipped when reached).
 */
export class FairQueue {
  private readonly tenants = new Map<string, Lanes>();
  /** Tenants with entries, in turn order; `turn` is the index of the next one. */
  private readonly ring: string[] = [];
  private turn = 0;
  /** The priority each waiting key waits at. */
  private readonly waiting = new Map<string, Priority>();

  get length(): number {
    return this.waiting.size;
  }

  has(key: string): boolean {
    return this.waiting.has(key);
  }

  push(key: string, priority: Priority): void {
    const current = this.waiting.get(key);
    if (current === 'high' || current === priority) return;
    this.waiting.set(key, priority);
    const tenant = tenantOf(key);
    let lanes = this.tenants.get(tenant);
    if (!lanes) {
      lanes = { high: new Fifo(), low: new Fifo() };
      this.tenants.set(tenant, lanes);
      this.ring.push(tenant);
    }
    lanes[priority].push(key);
  }

  shift(): string | undefined {
    while (this.ring.length > 0) {
      const tenant = this.ring[this.turn] as string;
      const lanes = this.tenants.get(tenant) as Lanes;
      const key = this.take(lanes);
      if (lanes.high.size + lanes.low.size === 0) {
        // Nothing left: out of the ring (it rejoins at the back when it has keys again).
        this.tenants.delete(tenant);
        this.ring.splice(this.turn, 1);
      } else if (key !== undefined) this.turn++;
      if (this.turn >= this.ring.length) this.turn = 0;
      if (key !== undefined) return key;
    }
    return undefined;
  }

  clear(): void {
    this.tenants.clear();
    this.ring.length = 0;
    this.turn = 0;
    this.waiting.clear();
  }

  /** The tenant's next live key, high lane first; undefined when only stale entries were left. */
  private take(lanes: Lanes): string | undefined {
    for (const priority of ['high', 'low'] as const) {
      for (let key = lanes[priority].shift(); key !== undefined; key = lanes[priority].shift()) {
        // A low entry of a key that moved up was handed out from the high lane (or still waits there).
        if (this.waiting.get(key) !== priority) continue;
        this.waiting.delete(key);
        return key;
      }
    }
    return undefined;
  }
}
