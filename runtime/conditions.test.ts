import { describe, expect, it } from 'vitest';
import { findCondition, isConditionTrue, setCondition } from './conditions.ts';
import { jsonEqual } from './equal.ts';

const t1 = new Date('2025-01-01T10:00:00.123Z');
const t2 = new Date('2025-01-01T11:00:00Z');

describe('conditions', () => {
  it('keeps lastTransitionTime while the status stays, and moves it when the status changes', () => {
    let c = setCondition(
      undefined,
      { type: 'Ready', status: 'False', reason: 'Pending', message: 'waiting' },
      1,
      t1,
    );
    expect(c[0]).toEqual({
      type: 'Ready',
      status: 'False',
      reason: 'Pending',
      message: 'waiting',
      observedGeneration: 1,
      lastTransitionTime: '2025-01-01T10:00:00Z',
    });
    c = setCondition(c, { type: 'Ready', status: 'False', reason: 'ImagePull', message: 'pulling' }, 2, t2);
    expect(findCondition(c, 'Ready')?.lastTransitionTime).toBe('2025-01-01T10:00:00Z');
    expect(findCondition(c, 'Ready')?.observedGeneration).toBe(2);
    c = setCondition(c, { type: 'Ready', status: 'True', reason: 'Running', message: 'ready' }, 2, t2);
    expect(findCondition(c, 'Ready')?.lastTransitionTime).toBe('2025-01-01T11:00:00Z');
    expect(c).toHaveLength(1);
  });

  it('counts a True condition about an older generation as not true', () => {
    const c = setCondition([], { type: 'Ready', status: 'True', reason: 'Running', message: '' }, 3, t1);
    expect(isConditionTrue(c, 'Ready', 3)).toBe(true);
    expect(isConditionTrue(c, 'Ready', 4)).toBe(false);
  });

  it('rejects reasons that are not CamelCase', () => {
    expect(() =>
      setCondition([], { type: 'Ready', status: 'True', reason: 'not ok', message: '' }, 1),
    ).toThrow(/CamelCase/);
  });

  it('compares status structurally, so the status writer can skip no-op writes', () => {
    expect(jsonEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).toBe(true);
    expect(jsonEqual({ a: 1, x: undefined }, { a: 1 })).toBe(true);
    expect(jsonEqual({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(jsonEqual({ a: 1 }, { a: '1' })).toBe(false);
  });
});
