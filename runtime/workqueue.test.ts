import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { runtimeMetrics } from './metrics.ts';
import { BucketRateLimiter, ItemExponentialRateLimiter, MaxOfRateLimiter } from './ratelimit.ts';
import { WorkQueue } from './workqueue.ts';
import { sleep } from './time.ts';

/** Runs `workers` workers until the queue shuts down, calling `work` for each key. */
async function runWorkers(
  q: WorkQueue,
  workers: number,
  work: (key: string) => Promise<void>,
): Promise<void> {
  await Promise.all(
    Array.from({ length: workers }, async () => {
      for (let key = await q.get(); key !== undefined; key = await q.get()) {
        try {
          await work(key);
        } finally {
          q.done(key);
        }
      }
    }),
  );
}

describe('WorkQueue', () => {
  it('holds a key once however often it is added before a worker takes it', async () => {
    const q = new WorkQueue({ name: 'dedup' });
    for (let i = 0; i < 5; i++) q.add('a');
    q.add('b');
    q.add('a');
    expect(q.length).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
    expect(q.length).toBe(0);
  });

  it('hands a changed object to the next free worker before a backlog of new ones', async () => {
    const q = new WorkQueue({ name: 'priority' });
    for (let i = 0; i < 300; i++) q.add(`p-1/new-${String(i)}`, 'low');
    q.add('p-1/pod-running');
    expect(await q.get()).toBe('p-1/pod-running');
    // A key being processed that changes again keeps the priority it was asked for.
    q.add('p-1/pod-running', 'low');
    q.add('p-1/pod-running');
    q.done('p-1/pod-running');
    expect(await q.get()).toBe('p-1/pod-running');
    expect(await q.get()).toBe('p-1/new-0');
    expect(q.length).toBe(299);
  });

  it('never hands one key to two workers, and re-runs a key added while it was processed', async () => {
    const q = new WorkQueue({ name: 'exclusive' });
    const running = new Set<string>();
    const runs = new Map<string, number>();
    let overlaps = 0;
    const workers = runWorkers(q, 8, async (key) => {
      if (running.has(key)) overlaps++;
      running.add(key);
      runs.set(key, (runs.get(key) ?? 0) + 1);
      // Adds of the same key while it runs must wait for done().
      if ((runs.get(key) ?? 0) === 1) q.add(key);
      await sleep(5);
      running.delete(key);
    });
    for (let round = 0; round < 20; round++) {
      for (const key of ['a', 'b', 'c']) q.add(key);
      await sleep(1);
    }
    await sleep(100);
    await q.drain();
    await workers;
    expect(overlaps).toBe(0);
    for (const key of ['a', 'b', 'c']) expect(runs.get(key)).toBeGreaterThanOrEqual(2);
  });

  it('grows the per-key back-off exponentially and forget() resets it', () => {
    const limiter = new ItemExponentialRateLimiter<string>(5, 1000);
    const delays = Array.from({ length: 10 }, () => limiter.when('a'));
    expect(delays).toEqual([5, 10, 20, 40, 80, 160, 320, 640, 1000, 1000]);
    expect(limiter.when('b')).toBe(5);
    expect(limiter.retries('a')).toBe(10);
    limiter.forget('a');
    expect(limiter.when('a')).toBe(5);
  });

  it('limits retries of many keys together with a token bucket', () => {
    let now = 0;
    const bucket = new BucketRateLimiter<string>(10, 3, () => now);
    expect([bucket.when('a'), bucket.when('b'), bucket.when('c')]).toEqual([0, 0, 0]);
    // The burst is spent: the next tokens come 100 ms apart.
    expect(bucket.when('d')).toBeCloseTo(100);
    expect(bucket.when('e')).toBeCloseTo(200);
    now = 1000;
    expect(bucket.when('f')).toBe(0);
    const combined = new MaxOfRateLimiter<string>(
      new ItemExponentialRateLimiter(5, 1000),
      new BucketRateLimiter(10, 1, () => now),
    );
    expect(combined.when('x')).toBe(5);
    expect(combined.when('y')).toBeCloseTo(100);
  });

  it('delays addRateLimited keys by the growing back-off', async () => {
    const q = new WorkQueue({ name: 'backoff', rateLimiter: new ItemExponentialRateLimiter(20, 10_000) });
    const gaps: number[] = [];
    q.add('k');
    let last = performance.now();
    for (let i = 0; i < 4; i++) {
      const key = await q.get();
      const now = performance.now();
      if (i > 0) gaps.push(now - last);
      last = now;
      q.done(key ?? '');
      q.addRateLimited('k');
    }
    q.shutDown();
    // 20, 40, 80 ms: each wait at least its delay and clearly longer than the one before.
    expect(gaps[0]).toBeGreaterThanOrEqual(19);
    expect(gaps[1]).toBeGreaterThanOrEqual(39);
    expect(gaps[2]).toBeGreaterThanOrEqual(79);
    expect(gaps[2] ?? 0).toBeGreaterThan((gaps[0] ?? 0) * 2);
    expect(q.numRequeues('k')).toBe(4);
  });

  it("waits at least the API server's Retry-After, even when the back-off is shorter", async () => {
    const q = new WorkQueue({ name: 'retry-after', rateLimiter: new ItemExponentialRateLimiter(5, 10_000) });
    q.addRateLimited('k', 150);
    const started = performance.now();
    const key = await q.get();
    expect(key).toBe('k');
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
    q.done('k');
    // Woken by "the API server answers again", a throttled key still waits its Retry-After.
    q.addRateLimited('k', 10_000);
    q.addRateLimited('other');
    expect(q.retryFailedNow()).toBe(1);
    q.shutDown();
  });

  it('retries keys in a long error back-off at once when asked, but leaves deadlines alone', async () => {
    const q = new WorkQueue({
      name: 'recover',
      rateLimiter: new ItemExponentialRateLimiter(60_000, 600_000),
    });
    q.addRateLimited('failed');
    q.addAfter('expires-later', 60_000);
    expect(q.length).toBe(0);
    expect(q.retryFailedNow()).toBe(1);
    const started = performance.now();
    expect(await q.get()).toBe('failed');
    expect(performance.now() - started).toBeLessThan(50);
    expect(q.numRequeues('failed')).toBe(0);
    expect(q.length).toBe(0);
    q.shutDown();
  });

  it('hands out a requeueAfter key at its deadline, within a few milliseconds, and earliest deadline wins', async () => {
    const q = new WorkQueue({ name: 'after' });
    const start = performance.now();
    q.addAfter('late', 300);
    q.addAfter('soon', 150);
    q.addAfter('soon', 400); // a later deadline for a waiting key does not postpone it
    q.addAfter('now', 0);
    expect(await q.get()).toBe('now');
    expect(await q.get()).toBe('soon');
    const soonAt = performance.now() - start;
    expect(await q.get()).toBe('late');
    const lateAt = performance.now() - start;
    expect(soonAt).toBeGreaterThanOrEqual(149);
    expect(soonAt).toBeLessThan(150 + 25);
    expect(lateAt).toBeGreaterThanOrEqual(299);
    expect(lateAt).toBeLessThan(300 + 25);
    q.done('now');
    q.done('soon');
    q.done('late');
    // 'soon' was also due at 400 ms: superseded, it must not come back.
    await sleep(150);
    expect(q.length).toBe(0);
    q.shutDown();
  });

  it('drains on shutdown: in-flight work finishes, idle workers stop, new and queued keys are refused', async () => {
    const q = new WorkQueue({ name: 'drain' });
    const finished: string[] = [];
    const workers = runWorkers(q, 2, async (key) => {
      await sleep(80);
      finished.push(key);
    });
    q.add('a');
    q.add('b');
    q.add('c');
    q.addAfter('d', 20);
    await sleep(10);
    expect(q.inFlight).toBe(2);
    const drained = q.drain(5000);
    q.add('e');
    expect(await drained).toBe(true);
    await workers;
    expect(finished.sort()).toEqual(['a', 'b']);
    expect(q.inFlight).toBe(0);
    expect(await q.get()).toBeUndefined();
    await sleep(30);
    expect(q.length).toBe(0);
  });

  it('reports a drain that outlives its timeout', async () => {
    const q = new WorkQueue({ name: 'stuck' });
    q.add('a');
    await q.get();
    expect(await q.drain(30)).toBe(false);
    q.done('a');
  });

  it('keeps workqueue metrics: depth, adds, retries, queue and work durations', async () => {
    const registry = new Registry();
    const metrics = runtimeMetrics(registry);
    const q = new WorkQueue({ name: 'metered', controller: 'ctl', metrics });
    q.add('a');
    q.add('a');
    q.add('b');
    const labels = { name: 'metered', controller: 'ctl' };
    expect((await metrics.queueDepth.get()).values.find((v) => v.labels.name === 'metered')?.value).toBe(2);
    const key = await q.get();
    await sleep(20);
    q.done(key ?? '');
    q.addRateLimited('a');
    const text = await registry.metrics();
    expect(text).toContain('workqueue_adds_total{name="metered",controller="ctl"} 2');
    expect(text).toContain('workqueue_retries_total{name="metered",controller="ctl"} 1');
    expect(text).toContain('workqueue_depth{name="metered",controller="ctl"} 1');
    const work = (await metrics.workDuration.get()).values.find(
      (v) => v.metricName === 'workqueue_work_duration_seconds_sum' && v.labels.name === labels.name,
    );
    expect(work?.value).toBeGreaterThanOrEqual(0.019);
    q.shutDown();
  });
});
