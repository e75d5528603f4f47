import { describe, expect, it } from 'vitest';
import { image, session } from '../fixtures.ts';
import { formatDuration as humanDuration } from '../../../runtime/duration.ts';
import { expiryStatus, nextDeadline, sessionClock } from './clock.ts';

const brief = image('brief', {
  lifecycle: { defaultLifetime: '1h', maxLifetime: '2h', expiryWarning: '10m', idleTimeout: '30m' },
});
const started = (spec = {}) => {
  const s = session('s', spec, 'brief');
  s.status = { startedAt: '2026-11-26T10:00:00Z' };
  return s;
};
const at = (iso: string) => new Date(iso);

describe('session clock', () => {
  it('runs the image default lifetime from the first start', () => {
    const c = sessionClock(started(), brief, at('2026-11-26T10:30:00Z'));
    expect(c.expiresAt).toEqual(at('2026-11-26T11:00:00Z'));
    expect(c.warnAt).toEqual(at('2026-11-26T10:50:00Z'));
    expect(c).toMatchObject({ expired: false, warning: false, capped: false, idleTimeoutMs: 1_800_000 });
  });

  it('caps a longer request at the image maximum and says so', () => {
    const c = sessionClock(started({ lifetime: '5h' }), brief, at('2026-11-26T10:30:00Z'));
    expect(c.lifetimeMs).toBe(7_200_000);
    expect(c.capped).toBe(true);
  });

  it('warns within the lead time and expires at the deadline', () => {
    expect(sessionClock(started(), brief, at('2026-11-26T10:55:00Z'))).toMatchObject({
      warning: true,
      expired: false,
    });
    expect(sessionClock(started(), brief, at('2026-11-26T11:00:00Z'))).toMatchObject({ expired: true });
  });

  it('has no expiry before the session first starts', () => {
    const c = sessionClock(session('s', {}, 'brief'), brief, at('2026-11-26T10:00:00Z'));
    expect(c.expiresAt).toBeUndefined();
    expect(c.expired).toBe(false);
  });
});

describe('expiry status', () => {
  it('warns once, then keeps the time of the warning', () => {
    const now = at('2026-11-26T10:55:00Z');
    const c = sessionClock(started(), brief, now);
    const first = expiryStatus(c, undefined, now);
    expect(first.warning).toBe(
      'Session expires at 26 Nov 2026, 11:00 UTC (in 5 min); extend its lifetime to keep it.',
    );
    expect(first.expiryWarningAt).toBe('2026-11-26T10:55:00Z');
    const again = expiryStatus(c, first.expiryWarningAt, at('2026-11-26T10:56:00Z'));
    expect(again.warning).toBeUndefined();
    expect(again.expiryWarningAt).toBe('2026-11-26T10:55:00Z');
  });

  it('forgets the warning when an extension moves the expiry away, so it warns again later', () => {
    const now = at('2026-11-26T10:56:00Z');
    const extended = sessionClock(started({ lifetime: '2h' }), brief, now);
    expect(expiryStatus(extended, '2026-11-26T10:55:00Z', now)).toEqual({
      expiresAt: '2026-11-26T12:00:00Z',
      expiryWarningAt: undefined,
    });
  });
});

describe('deadlines and words', () => {
  it('picks the earliest future deadline', () => {
    const now = at('2026-11-26T10:00:00Z');
    expect(
      nextDeadline(
        now,
        at('2026-11-26T09:00:00Z'),
        undefined,
        at('2026-11-26T10:00:05Z'),
        at('2026-11-26T11:00:00Z'),
      ),
    ).toBe(5000);
    expect(nextDeadline(now)).toBeUndefined();
  });

  it('says durations as people do', () => {
    expect(humanDuration(45_000)).toBe('45 s');
    expect(humanDuration(5 * 60_000)).toBe('5 min');
    expect(humanDuration(2 * 3_600_000 + 5 * 60_000)).toBe('2h 5m');
    expect(humanDuration(3 * 86_400_000)).toBe('3d');
  });
});
