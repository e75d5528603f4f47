// Unit tests for the timestamp formats.
import { describe, expect, test } from 'vitest';
import { readableUtc, rfc3339 } from './time.ts';

describe('readableUtc', () => {
  test('writes an instant to the minute, in UTC, without the T and Z of RFC 3339', () => {
    expect(readableUtc('2026-12-01T20:00:00Z')).toBe('1 Dec 2026, 20:00 UTC');
    expect(readableUtc('2027-03-09T07:05:59Z')).toBe('9 Mar 2027, 07:05 UTC');
    expect(readableUtc(rfc3339(new Date(Date.UTC(2026, 0, 31, 23, 59))))).toBe('31 Jan 2026, 23:59 UTC');
  });

  test('leaves what is not an instant as it is', () => {
    expect(readableUtc('soon')).toBe('soon');
  });
});
