import { describe, expect, it } from 'vitest';
import { CLAIMED_BY_LABEL, POOL_SPEC_ANNOTATION } from '../../crds/index.ts';
import type { VirtualMachine } from '../sessions/workloads/vm/kinds.ts';
import { allocate, planImage, type PoolImage } from './policy.ts';

const image = (label: string, size: number, over: Partial<PoolImage> = {}): PoolImage => ({
  label,
  size,
  milliCpu: 1000,
  memoryBytes: 2 ** 30,
  specHash: 'h1',
  ...over,
});

function vm(
  name: string,
  o: { ready?: boolean; claimed?: string; hash?: string; created?: string } = {},
): VirtualMachine {
  return {
    apiVersion: 'kubevirt.io/v1',
    kind: 'VirtualMachine',
    metadata: {
      name,
      creationTimestamp: o.created ?? '2026-12-02T01:00:00Z',
      labels: o.claimed ? { [CLAIMED_BY_LABEL]: o.claimed } : {},
      annotations: { [POOL_SPEC_ANNOTATION]: o.hash ?? 'h1' },
    },
    status:
      o.ready === false
        ? { printableStatus: 'Starting', ready: false }
        : { printableStatus: 'Running', ready: true },
  };
}

const budget = { vms: 20, milliCpu: 64_000, memoryBytes: 256 * 2 ** 30 };

describe('allocate', () => {
  it('gives every image its size when the budget allows', () => {
    const shares = allocate([image('a', 3), image('b', 2)], budget);
    expect(shares.get('a')).toEqual({ allowed: 3 });
    expect(shares.get('b')).toEqual({ allowed: 2 });
  });

  it('serves images in name order and says which limit stopped the rest', () => {
    const shares = allocate([image('b', 3), image('a', 3)], { ...budget, vms: 4 });
    expect(shares.get('a')).toEqual({ allowed: 3 });
    expect(shares.get('b')?.allowed).toBe(1);
    expect(shares.get('b')?.message).toContain('--warm-pool-max-vms');
    expect(shares.get('b')?.message).toContain('1 of 3');
  });

  it('counts cpu and memory of each VM', () => {
    const big = image('a', 5, { milliCpu: 4000, memoryBytes: 16 * 2 ** 30 });
    expect(allocate([big], { ...budget, milliCpu: 10_000 }).get('a')?.allowed).toBe(2);
    expect(allocate([big], { ...budget, memoryBytes: 40 * 2 ** 30 }).get('a')?.message).toContain(
      '--warm-pool-max-memory',
    );
  });

  it('a budget of 0 VMs means no pools', () => {
    expect(allocate([image('a', 3)], { ...budget, vms: 0 }).get('a')?.allowed).toBe(0);
  });
});

describe('planImage', () => {
  it('creates what is missing and counts ready, booting and claimed', () => {
    const plan = planImage(image('a', 3), 3, [
      vm('p0'),
      vm('p1', { ready: false }),
      vm('p2', { claimed: 'u1' }),
    ]);
    expect(plan.create).toBe(1);
    expect(plan.drain).toEqual([]);
    expect(plan.counts).toEqual({ ready: 1, booting: 1, claimed: 1 });
  });

  it('drains the excess when the size is lowered: booting ones first, then the newest; never a claimed one', () => {
    const vms = [
      vm('p0', { created: '2026-12-02T01:00:00Z' }),
      vm('p1', { created: '2026-12-02T01:05:00Z' }),
      vm('p2', { ready: false }),
      vm('p3', { claimed: 'u1' }),
    ];
    const plan = planImage(image('a', 1), 1, vms);
    expect(plan.drain.map((v) => v.metadata.name)).toEqual(['p2', 'p1']);
    expect(plan.create).toBe(0);
    expect(plan.counts).toEqual({ ready: 1, booting: 0, claimed: 1 });
  });

  it('replaces unclaimed VMs of older image settings, keeps claimed ones', () => {
    const plan = planImage(image('a', 2, { specHash: 'h2' }), 2, [
      vm('p0', { hash: 'h1' }),
      vm('p1', { hash: 'h1', claimed: 'u' }),
    ]);
    expect(plan.drain.map((v) => v.metadata.name)).toEqual(['p0']);
    expect(plan.create).toBe(2);
  });

  it('drains every unclaimed VM of an image that is gone', () => {
    const plan = planImage(undefined, 0, [vm('p0'), vm('p1', { claimed: 'u' })]);
    expect(plan.drain.map((v) => v.metadata.name)).toEqual(['p0']);
    expect(plan.create).toBe(0);
  });

  it('ignores VMs being deleted', () => {
    const going = vm('p0');
    going.metadata.deletionTimestamp = '2026-12-02T01:00:00Z';
    expect(planImage(image('a', 1), 1, [going]).create).toBe(1);
  });
});
