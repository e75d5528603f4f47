import { describe, expect, it } from 'vitest';
import { generationChanged } from './controller.ts';

const obj = (generation: number, status: string) => ({ metadata: { name: 'x', generation }, status });

describe('generationChanged', () => {
  it('lets spec changes through and drops status-only updates', () => {
    expect(generationChanged(obj(1, 'a'), obj(2, 'a'))).toBe(true);
    expect(generationChanged(obj(1, 'a'), obj(1, 'b'))).toBe(false);
  });

  it('lets a periodic resync (the same object twice) through, so watchers stay level-triggered', () => {
    const o = obj(1, 'a');
    expect(generationChanged(o, o)).toBe(true);
  });
});
