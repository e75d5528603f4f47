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

  get isLeader(): boolean {
    return this.leading;
  }

  /** Waits until this replica holds the lease; false if `signal` aborted first. */
  async acquire(signal: AbortSignal): Promise<boolean> {
    this.log.info('waiting for leadership');
    while (!signal.aborted) {
      if (await this.tryAcquireOrRenew()) {
        this.setLeading(true);
        this.log.info('became leader');
        return true;
      }
      // A little jitter keeps standbys from polling in lock-step.
      await sleep(this.o.retryPeriodMs * (1 + 0.2 * Math.random()), signal);
    }
    return false;
  }

  /** Renews every retryPeriod; resolves when leadership is lost (true) or `signal` aborted (false). */
  async hold(signal: AbortSignal): Promise<boolean> {
    let lastRenew = performance.now();
    const aborted = () => signal.aborted;
    while (!aborted()) {
      await sleep(this.o.retryPeriodMs, signal);
      if (aborted()) break;
      if (await this.tryAcquireOrRenew()) {
        lastRenew = performance.now();
      } else if (performance.now() - lastRenew > this.o.renewDeadlineMs) {
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

  private setLeading(leading: boolean): void {
    this.leading = leading;
    this.o.metrics?.leaderElectionMaster.set({ name: this.o.name }, leading ? 1 : 0);
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { client, namespace, name, identity } = this.o;
    const now = performance.now();
    const nowTime = microTime();
    const durationSeconds = Math.ceil(this.o.leaseDurationMs / 1000);
    const timeoutMs = Math.max(1000, this.o.renewDeadlineMs / 2);
    let lease: Lease;
    try {
      lease = await client.get<Lease>(objectPath(Leases, namespace, name), { timeoutMs });
    } catch (err) {
      if (!isNotFound(err)) {
        this.log.warn({ err: (err as Error).message }, 'could not read the lease');
        return false;
      }
      try {
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
          timeoutMs,
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
      this.lease = await this.put({ ...lease, spec: next }, timeoutMs);
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
    return client.request<Lease>('PUT', objectPath(Leases, namespace, name), { body: lease, timeoutMs });
  }

  private observe(lease: Lease, now: number): void {
    const record = JSON.stringify([lease.spec?.holderIdentity, lease.spec?.renewTime]);
    if (this.observed?.record !== record) this.observed = { record, at: now };
  }
}
