import { describe, expect, it } from 'vitest';
import { addQuantities, formatQuantity, quantity, sameShare, sumQuantities } from './amounts.ts';

describe('quota amounts', () => {
  it('adds quantities exactly, whatever their units', () => {
    expect(formatQuantity(sumQuantities(['500m', '1.5', '2']), 'cpu')).toBe('4');
    expect(formatQuantity(sumQuantities(['500m', '250m']), 'cpu')).toBe('750m');
    expect(formatQuantity(sumQuantities(['8Gi', '512Mi', '512Mi']), 'memory')).toBe('9Gi');
    expect(formatQuantity(sumQuantities(['1G', '0.5G']), 'memory')).toBe('1500000000');
    // 0.1 + 0.2 is 0.3 here, not 0.30000000000000004.
    expect(formatQuantity(addQuantities(quantity('0.1'), quantity('0.2')), 'cpu')).toBe('300m');
  });

  it('compares shares by value, not by spelling', () => {
    const a = { cpu: '1', memory: '1024Mi', gpus: 0 };
    expect(sameShare(a, { cpu: '1000m', memory: '1Gi', gpus: 0 })).toBe(true);
    expect(sameShare(a, { cpu: '1', memory: '1Gi', gpus: 1 })).toBe(false);
    expect(sameShare(a, { ...a, disk: '10Gi' })).toBe(false);
  });
});
