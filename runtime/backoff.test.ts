import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.ts';

describe('Backoff', () => {
  it('doubles from 1 s to a 30 s ceiling and starts over after reset()', () => {
    const b = new Backoff({ random: () => 0.5 });
    expect(Array.from({ length: 8 }, () => b.next())).toEqual([
      1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000,
    ]);
    b.reset();
    expect(b.next()).toBe(1000);
  });

  it('jitters each delay by ±20 % and never leaves [1 s, 30 s]', () => {
    const low = new Backoff({ random: () => 0 });
    const high = new Backoff({ random: () => 0.999999 });
    expect([low.next(), low.next(), low.next()]).toEqual([1000, 1600, 3200]);
    expect([high.next(), high.next(), high.next()]).toEqual([1200, 2400, 4800]);
    for (let i = 0; i < 10; i++) expect(high.next()).toBeLessThanOrEqual(30_000);
    const spread = new Set(Array.from({ length: 50 }, () => new Backoff().next()));
    expect(spread.size).toBeGreaterThan(10);
  });
});
