import { describe, expect, it } from 'vitest';
import {
  CLAIMED_BY_LABEL,
  POOL_LABEL,
  POOL_RESOURCES_ANNOTATION,
  POOL_SPEC_ANNOTATION,
} from '../../../../crds/index.ts';
import { chooseClaimed, claimContent, claimOrder } from './claim.ts';
import type { VirtualMachine } from './kinds.ts';
import { PASSWORD, vmInput } from './vm-fixtures.ts';

const wanted = { label: 'ubuntu', specHash: 'h1', resources: 'r1' };

function vm(
  name: string,
  o: { ready?: boolean; claimed?: string; resources?: string; label?: string } = {},
): VirtualMachine {
  return {
    metadata: {
      name,
      labels: { [POOL_LABEL]: o.label ?? 'ubuntu', ...(o.claimed ? { [CLAIMED_BY_LABEL]: o.claimed } : {}) },
      annotations: { [POOL_SPEC_ANNOTATION]: 'h1', [POOL_RESOURCES_ANNOTATION]: o.resources ?? 'r1' },
    },
    status: { printableStatus: o.ready === false ? 'Starting' : 'Running', ready: o.ready !== false },
  };
}

describe('claimOrder', () => {
  it('offers only ready, unclaimed VMs of the image booted with the session resources', () => {
    const vms = [
      vm('a'),
      vm('b', { ready: false }),
      vm('c', { claimed: 'x' }),
      vm('d', { resources: 'r2' }),
      vm('e', { label: 'other' }),
      vm('f'),
    ];
    expect(
      claimOrder(vms, 'uid-1', wanted)
        .map((v) => v.metadata.name)
        .sort(),
    ).toEqual(['a', 'f']);
  });

  it('spreads sessions over the VMs: the start depends on the session UID, every VM is tried once', () => {
    const vms = ['a', 'b', 'c'].map((n) => vm(n));
    const firsts = new Set(
      Array.from({ length: 30 }, (_, i) => claimOrder(vms, `uid-${String(i)}`, wanted)[0]?.metadata.name),
    );
    expect(firsts.size).toBe(3);
    const order = claimOrder(vms, 'uid-7', wanted).map((v) => v.metadata.name);
    expect([...order].sort()).toEqual(['a', 'b', 'c']);
    expect(claimOrder(vms, 'uid-7', wanted).map((v) => v.metadata.name)).toEqual(order);
  });

  it('offers nothing when the pool is empty', () => {
    expect(claimOrder([], 'uid', wanted)).toEqual([]);
  });
});

describe('chooseClaimed', () => {
  it('uses the lowest name and calls the rest surplus', () => {
    const r = chooseClaimed([vm('p2'), vm('p0'), vm('p1')], false);
    expect(r.use?.metadata.name).toBe('p0');
    expect(r.surplus.map((v) => v.metadata.name)).toEqual(['p1', 'p2']);
  });

  it('a session with a VM of its own uses none of its claims', () => {
    expect(chooseClaimed([vm('p0')], true)).toEqual({ surplus: [vm('p0')] });
  });

  it('nothing claimed: nothing to use', () => {
    expect(chooseClaimed([], false)).toEqual({ surplus: [] });
  });
});

describe('claimContent', () => {
  it('holds the guest user, the proposal ids, the password, the data mounts and the service', () => {
    const c = claimContent(vmInput(), { token: PASSWORD });
    expect(c.ok).toBe(true);
    if (!c.ok) return;
    expect(c.value.user).toMatch(/^[a-z_][a-z0-9_-]*$/);
    expect(c.value.claim).toMatchObject({ user: c.value.user, password: PASSWORD, services: ['xrdp'] });
    expect(typeof c.value.claim['uid']).toBe('number');
  });

  it('refuses an owner that gives no guest user name, naming the field', () => {
    const input = vmInput();
    input.session.spec.owner = '@@@';
    const c = claimContent(input, { token: PASSWORD });
    expect(c.ok).toBe(false);
    if (!c.ok) expect(c.error.field).toBe('spec.owner');
  });
});
