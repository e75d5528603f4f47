import { describe, expect, it } from 'vitest';
import { jupyterImage, session } from '../sessions/fixtures.ts';
import { cappedClock } from './lifetime.ts';

const now = new Date('2026-12-01T12:00:00Z');

describe("a quota's maxLifetime", () => {
  it('caps a longer request and names the quota', () => {
    const clock = cappedClock(
      session('a', { lifetime: '48h' }),
      jupyterImage,
      { ms: 24 * 3_600_000, quota: 'q' },
      now,
    );
    expect(clock).toMatchObject({ lifetimeMs: 24 * 3_600_000, capped: true, cappedBy: 'quota q' });
  });

  it("leaves the image's own maximum in charge when it is the smaller", () => {
    const clock = cappedClock(
      session('a', { lifetime: '700h' }),
      jupyterImage,
      { ms: 500 * 3_600_000, quota: 'q' },
      now,
    );
    expect(clock.capped).toBe(true);
    expect(clock.cappedBy).toBeUndefined();
    expect(clock.lifetimeMs).toBe(72 * 3_600_000);
  });

  it('changes nothing for a request within it', () => {
    const clock = cappedClock(
      session('a', { lifetime: '2h' }),
      jupyterImage,
      { ms: 24 * 3_600_000, quota: 'q' },
      now,
    );
    expect(clock).toMatchObject({ lifetimeMs: 2 * 3_600_000, capped: false });
  });
});
