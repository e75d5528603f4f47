// Exponential back-off with jitter for reconnecting to the API server: spreads the reconnects of many
// informers (and many operator replicas) so a recovering API server is not hit by a thundering herd.

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor: number;
  /** 0.4 means each delay is drawn from [0.8, 1.2] × the nominal delay, clamped to [initialMs, maxMs]. */
  jitter: number;
  random?: () => number;
}

export const defaultBackoff: BackoffOptions = { initialMs: 1000, maxMs: 30_000, factor: 2, jitter: 0.4 };

export class Backoff {
  private failures = 0;
  private readonly options: BackoffOptions;

  constructor(options: Partial<BackoffOptions> = {}) {
    this.options = { ...defaultBackoff, ...options };
  }

  /** The delay before the next attempt; each call counts one more consecutive failure. */
  next(): number {
    const { initialMs, maxMs, factor, jitter } = this.options;
    const random = this.options.random ?? Math.random;
    const nominal = Math.min(maxMs, initialMs * factor ** this.failures);
    this.failures++;
    const jittered = nominal * (1 - jitter / 2 + jitter * random());
    return Math.round(Math.min(maxMs, Math.max(initialMs, jittered)));
  }

  reset(): void {
    this.failures = 0;
  }

  get consecutiveFailures(): number {
    return this.failures;
  }
}
