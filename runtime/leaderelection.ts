// Lease-based leader election (coordination.k8s.io/v1), after client-go's leaderelection package.
// Correctness never depends on it; it keeps standby replicas from doing duplicate work.
// - Expiry is judged by when *we* last saw the lease record change (local monotonic clock), not by
//   the holder's renewTime, so clock skew between nodes does not matter.
// - The leader gives up when it could not renew for renewDeadline (< leaseDuration), before anyone
//   else may take over; release() on shutdown empties holderIdentity so a standby takes over at its
//   next retry instead of waiting for expiry.
import type { Logger } from 'pino';
import { isConflict, isNotFound } from './errors.ts';
import type { RuntimeMetrics } from './metrics.ts';
import { Leases, collectionPath, objectPath, type KubeObject } from './resources.ts';
import type { RestClient } from './rest.ts';
import { microTime, sleep } from './time.ts';

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

export interface LeaderElectionOptions {
  client: RestClient;
  namespace: string;
  name: string;
  identity: string;
  log: Logger;
  metrics?: RuntimeMetrics;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

export class LeaderElector {
  readonly identity: string;
  private readonly o: Required<Omit<LeaderElectionOptions, 'metrics'>> & { metrics?: RuntimeMetrics };
  private readonly log: Logger;
  private observed: { record: string; at: number } | undefined;
  private lease: Lease | undefined;
  private leading = false;
  /** When the last successful acquire or renew was sent (monotonic ms). */
  private renewedAt = -Infinity;

  constructor(options: LeaderElectionOptions) {
    this.o = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2000, ...options };
    if (this.o.renewDeadlineMs >= this.o.leaseDurationMs)
      throw new Error('renewDeadline must be less than leaseDuration');
    this.identity = options.identity;
    this.log = options.log.child({
      lease: `${options.namespace}/${options.name}`,
      identity: options.identity,
    });
  }

  get leaseDurationMs(): number {
    return this.o.leaseDurationMs;
  }

  get renewDeadlineMs(): number {
    return this.o.renewDeadlineMs;
  }

  /**
   * Whether this replica may still act as leader: it leads and renewDeadline has not passed since its
   * last renewal was sent. Unlike isLeader, it turns false on time even if the process was frozen
   * (SIGSTOP, a long GC pause) and hold() has not run yet, so it can fence writes.
   */
  mayAct(): boolean {
    return this.leading && performance.now() < this.renewedAt + this.o.renewDeadlineMs;
  }

  /** Whether a request to `path` is the election's own (creating or writing the Lease): never fenced. */
  isLeasePath(path: string): boolean {
    const { namespace, name } = this.o;
    return path === objectPath(Leases, namespace, name) || path === collectionPath(Leases, namespace);
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Waits until this replica holds the lease; false if `signal` aborted first. */
  async acquire(signal: AbortSignal): Promise<boolean> {
    this.log.info('waiting for leadership');
    while (!signal.aborted) {
      const sentAt = performance.now();
      if (await this.tryAcquireOrRenew()) {
        this.renewedAt = sentAt;
        this.setLeading(true);
        this.log.info('became leader');
        return true;
      }
      // A little jitter keeps standbys from polling in lock-step.
      await sleep(this.o.retryPeriodMs * (1 + 0.2 * Math.random()), signal);
    }
    return false;
  }

  /**
   * Renews every retryPeriod; resolves when leadership is lost (true) or `signal` aborted (false).
   * Lost means no renewal got through for renewDeadline, counted from when the last successful
   * attempt was *sent* (the earliest the server can have recorded it): no attempt, however slow,
   * outlives that deadline, so the caller has leaseDuration − renewDeadline to stop its controllers
   * before a standby may take over.
   */
  async hold(signal: AbortSignal): Promise<boolean> {
    const left = () => this.renewedAt + this.o.renewDeadlineMs - performance.now();
    // A function, not the property: TypeScript would keep the narrowed value across awaits.
    const aborted = () => signal.aborted;
    while (!aborted()) {
      await sleep(Math.min(this.o.retryPeriodMs, Math.max(0, left())), signal);
      if (aborted()) break;
      const sentAt = performance.now();
      const budget = left();
      if (budget > 0 && (await this.tryAcquireOrRenew(budget))) {
        this.renewedAt = sentAt;
      } else if (left() <= 0) {
        this.setLeading(false);
        this.log.error(
          { renewDeadlineMs: this.o.renewDeadlineMs },
          'leadership lost: could not renew the lease',
        );
        return true;
      }
    }
    return false;
  }

  /** Gives the lease up (if held) so a standby can take over at once. */
  async release(): Promise<void> {
    if (!this.leading || !this.lease) return;
    this.setLeading(false);
    const now = microTime();
    const spec: LeaseSpec = {
      ...this.lease.spec,
      holderIdentity: '',
      leaseDurationSeconds: 1,
      acquireTime: now,
      renewTime: now,
    };
    try {
      await this.put({ ...this.lease, spec });
      this.log.info('released the lease');
    } catch (err) {
      this.log.warn({ err }, 'could not release the lease; it expires by itself');
    }
  }

  private countWrite(): void {
    this.o.metrics?.leaderElectionLeaseWrites.inc({ name: this.o.name });
  }

  private setLeading(leading: boolean): void {
    this.leading = leading;
    this.o.metrics?.leaderElectionMaster.set({ name: this.o.name }, leading ? 1 : 0);
  }

  /** One attempt; `budgetMs` bounds the whole of it (read and write), so a renewal never lands late. */
  private async tryAcquireOrRenew(budgetMs = this.o.renewDeadlineMs): Promise<boolean> {
    const { client, namespace, name, identity } = this.o;
    const now = performance.now();
    const nowTime = microTime();
    const durationSeconds = Math.ceil(this.o.leaseDurationMs / 1000);
    const endBy = now + Math.min(budgetMs, this.o.renewDeadlineMs);
    const readTimeoutMs = Math.max(1, (endBy - now) / 2);
    let lease: Lease;
    try {
      lease = await client.get<Lease>(objectPath(Leases, namespace, name), { timeoutMs: readTimeoutMs });
    } catch (err) {
      if (!isNotFound(err)) {
        this.log.warn({ err: (err as Error).message }, 'could not read the lease');
        return false;
      }
      try {
        this.countWrite();
        this.lease = await client.request<Lease>('POST', collectionPath(Leases, namespace), {
          body: {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name, namespace },
            spec: {
              holderIdentity: identity,
              leaseDurationSeconds: durationSeconds,
              acquireTime: nowTime,
              renewTime: nowTime,
              leaseTransitions: 0,
            },
          },
          timeoutMs: Math.max(1, endBy - performance.now()),
        });
        this.observe(this.lease, now);
        return true;
      } catch (createErr) {
        if (!isConflict(createErr))
          this.log.warn({ err: (createErr as Error).message }, 'could not create the lease');
        return false;
      }
    }
    this.observe(lease, now);
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const mine = holder === identity;
    const observedAt = this.observed?.at ?? now;
    const heldFor = (spec.leaseDurationSeconds ?? durationSeconds) * 1000;
    if (holder !== '' && !mine && observedAt + heldFor > now) return false;
    const next: LeaseSpec = {
      holderIdentity: identity,
      leaseDurationSeconds: durationSeconds,
      acquireTime: mine ? (spec.acquireTime ?? nowTime) : nowTime,
      renewTime: nowTime,
      leaseTransitions: (spec.leaseTransitions ?? 0) + (mine ? 0 : 1),
    };
    try {
      const remaining = endBy - performance.now();
      if (remaining <= 0) return false;
      this.lease = await this.put({ ...lease, spec: next }, remaining);
      this.observe(this.lease, now);
      return true;
    } catch (err) {
      // A conflict means someone else wrote first; anything else is retried at the next period.
      if (!isConflict(err)) this.log.warn({ err: (err as Error).message }, 'could not update the lease');
      return false;
    }
  }

  private async put(lease: Lease, timeoutMs = 5000): Promise<Lease> {
    const { client, namespace, name } = this.o;
    this.countWrite();
    return client.request<Lease>('PUT', objectPath(Leases, namespace, name), { body: lease, timeoutMs });
  }

  private observe(lease: Lease, now: number): void {
    const record = JSON.stringify([lease.spec?.holderIdentity, lease.spec?.renewTime]);
    if (this.observed?.record !== record) this.observed = { record, at: now };
  }
}
