import { describe, expect, it } from 'vitest';
import { compareQuantities, isPositive, parseQuantity, type Quantity } from './quantity.ts';

function q(value: string | number): Quantity {
  const parsed = parseQuantity(value);
  if (!parsed) throw new Error(`not a quantity: ${String(value)}`);
  return parsed;
}

describe('parseQuantity', () => {
  it.each([
    '500m',
    '2',
    '1.5',
    '4Gi',
    '1G',
    '1e3',
    '1E3',
    '1E',
    '.5',
    '5.',
    '+1',
    '-1',
    '0',
    '100n',
    '3u',
    '2k',
    '1Ki',
    '16Ei',
    '2.5e-3',
  ])('accepts %s', (value) => {
    expect(parseQuantity(value)).toBeDefined();
  });

  it.each([
    '',
    ' 1',
    '1 ',
    'abc',
    '1.2.3',
    '1gi',
    '1KiB',
    '1K',
    'e3',
    '1e',
    '1e3.5',
    '--1',
    '1m2',
    '.',
    '0x10',
    '1e101',
    'Infinity',
  ])('refuses %j', (value) => {
    expect(parseQuantity(value)).toBeUndefined();
  });

  it('takes the integer form of int-or-string, but not fractions', () => {
    expect(compareQuantities(q(2), q('2'))).toBe(0);
    expect(parseQuantity(1.5)).toBeUndefined();
  });
});

describe('compareQuantities', () => {
  // [a, b, expected sign of a - b]
  const cases: [string, string, -1 | 0 | 1][] = [
    ['500m', '0.5', 0],
    ['1', '1000m', 0],
    ['1.5', '1500m', 0],
    ['1e3', '1k', 0],
    ['1E3', '1000', 0],
    ['1E', '1e18', 0],
    ['1Ki', '1024', 0],
    ['1Gi', '1024Mi', 0],
    ['1G', '1000M', 0],
    ['1Gi', '1G', 1],
    ['1000Mi', '1Gi', -1],
    ['4Gi', '4294967296', 0],
    ['0.1', '100m', 0],
    ['100001m', '100', 1],
    ['16', '16.000000001', -1],
    ['2.5e-3', '2500u', 0],
    ['1n', '0', 1],
    ['-1', '0', -1],
    ['-0', '0', 0],
    ['64Gi', '65G', 1],
    ['1Ei', '1E', 1],
    ['.5Gi', '512Mi', 0],
  ];
  it.each(cases)('%s vs %s → %i', (a, b, expected) => {
    expect(compareQuantities(q(a), q(b))).toBe(expected);
    expect(compareQuantities(q(b), q(a))).toBe(expected === 0 ? 0 : -expected);
  });

  it('is exact where floating point is not', () => {
    // 0.1 + 0.2 style traps: 300m is exactly 0.3 and exactly 3e-1.
    expect(compareQuantities(q('300m'), q('0.3'))).toBe(0);
    expect(compareQuantities(q('3e-1'), q('0.30000000000000004'))).toBe(-1);
    expect(compareQuantities(q('9007199254740993'), q('9007199254740992'))).toBe(1);
  });
});

describe('isPositive', () => {
  it.each([
    ['1m', true],
    ['0', false],
    ['0.000', false],
    ['-1', false],
  ] as const)('%s → %s', (value, expected) => {
    expect(isPositive(q(value))).toBe(expected);
  });
});
