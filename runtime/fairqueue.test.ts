import { describe, expect, it } from 'vitest';
import { FairQueue, tenantOf } from './fairqueue.ts';

function drain(q: FairQueue): string[] {
  const out: string[] = [];
  for (let key = q.shift(); key !== undefined; key = q.shift()) out.push(key);
  return out;
}

describe('FairQueue', () => {
  it('takes the namespace of a key, and none for a cluster-scoped key', () => {
    expect(tenantOf('p-1/s-1')).toBe('p-1');
    expect(tenantOf('jupyter-scipy')).toBe('');
  });

  it("serves one proposal's single session after at most one key of another proposal's burst", () => {
    const q = new FairQueue();
    for (let i = 0; i < 1000; i++) q.push(`course/s-${String(i)}`, 'low');
    q.push('p-7/analysis', 'low');
    const order = drain(q);
    expect(order.indexOf('p-7/analysis')).toBeLessThanOrEqual(1);
    expect(order).toHaveLength(1001);
    // Within one namespace, arrival order.
    const course = order.filter((k) => k.startsWith('course/'));
    expect(course).toEqual(Array.from({ length: 1000 }, (_, i) => `course/s-${String(i)}`));
  });

  it('alternates between namespaces with keys waiting', () => {
    const q = new FairQueue();
    for (const key of ['a/1', 'a/2', 'a/3', 'b/1', 'b/2', 'c/1']) q.push(key, 'low');
    expect(drain(q)).toEqual(['a/1', 'b/1', 'c/1', 'a/2', 'b/2', 'a/3']);
  });

  it("hands out a namespace's changed objects before its new ones", () => {
    const q = new FairQueue();
    for (let i = 0; i < 500; i++) q.push(`course/new-${String(i)}`, 'low');
    q.push('course/pod-now-running', 'high');
    expect(q.shift()).toBe('course/pod-now-running');
    expect(q.shift()).toBe('course/new-0');
  });

  it("takes turns between namespaces even while one namespace's changes keep coming", () => {
    const q = new FairQueue();
    for (let i = 0; i < 100; i++) q.push(`course/s-${String(i)}`, 'high');
    q.push('p-7/new', 'low');
    expect(q.shift()).toBe('course/s-0');
    expect(q.shift()).toBe('p-7/new');
  });

  it('holds a key once; a low key added again at high moves up and leaves only once', () => {
    const q = new FairQueue();
    q.push('a/1', 'low');
    q.push('a/2', 'low');
    q.push('a/1', 'low');
    q.push('a/2', 'high');
    q.push('a/2', 'low'); // already high: stays high
    expect(q.length).toBe(2);
    expect(drain(q)).toEqual(['a/2', 'a/1']);
    expect(q.length).toBe(0);
  });

  it('hands out a key that was taken and queued again once more, not twice', () => {
    const q = new FairQueue();
    q.push('a/1', 'low');
    q.push('a/1', 'high');
    expect(q.shift()).toBe('a/1');
    q.push('a/1', 'low'); // a new change after it was taken; its stale low entry is still in the lane
    expect(drain(q)).toEqual(['a/1']);
  });

  it('forgets everything on clear', () => {
    const q = new FairQueue();
    q.push('a/1', 'high');
    q.push('b/1', 'low');
    q.clear();
    expect(q.length).toBe(0);
    expect(q.shift()).toBeUndefined();
    q.push('b/1', 'low');
    expect(drain(q)).toEqual(['b/1']);
  });
});
