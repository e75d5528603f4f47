import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.ts';

describe('parseDuration', () => {
  it('reads Go-style durations', () => {
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('15s')).toBe(15_000);
    expect(parseDuration('1h30m15s')).toBe(5_415_000);
    expect(parseDuration('1.5s')).toBe(1500);
  });

  it('refuses anything else', () => {
    for (const text of ['15', '15s ', ' 15s', '', 's', '1d', '15 parsecs', '-5s', '1m 30s']) {
      expect(parseDuration(text), text).toBeUndefined();
    }
  });
});

describe('formatDuration', () => {
  it('says seconds, minutes, hours and days in words', () => {
    expect(formatDuration(45_000)).toBe('45 s');
    expect(formatDuration(3 * 60_000)).toBe('3 min');
    expect(formatDuration(5 * 60_000 + 20_000)).toBe('5 min');
    expect(formatDuration(2 * 3_600_000 + 5 * 60_000)).toBe('2h 5m');
    expect(formatDuration(2 * 3_600_000)).toBe('2h');
    expect(formatDuration(86_400_000 + 2 * 3_600_000)).toBe('1d 2h');
    expect(formatDuration(3 * 86_400_000)).toBe('3d');
  });

  it('rounds to the second and never goes below zero', () => {
    expect(formatDuration(1499)).toBe('1 s');
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(-5000)).toBe('0 s');
  });

  it('reads back what parseDuration reads, to the unit it shows', () => {
    expect(formatDuration(parseDuration('1h30m') ?? 0)).toBe('1h 30m');
    expect(formatDuration(parseDuration('90s') ?? 0)).toBe('1 min');
  });
});
