import { describe, expect, it } from 'vitest';
import { machineName, uniqueMachineName } from './machine-name.ts';

const dnsLabel = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

describe('machine names', () => {
  it('are DNS labels of the form adjective-scientist', () => {
    for (let i = 0; i < 500; i++) {
      const name = machineName(`uid-${String(i)}`);
      expect(name).toMatch(dnsLabel);
      expect(name.split('-')).toHaveLength(2);
    }
  });

  it('are stable for a session', () => {
    expect(machineName('3f1c2a9e-0000-4000-8000-000000000001')).toBe(
      machineName('3f1c2a9e-0000-4000-8000-000000000001'),
    );
  });

  it('spread over many combinations', () => {
    const names = new Set(Array.from({ length: 1000 }, (_, i) => machineName(`uid-${String(i)}`)));
    expect(names.size).toBeGreaterThan(600);
  });

  it('skip names already taken in the namespace, and always find one', () => {
    const seed = 'uid-42';
    const first = machineName(seed);
    expect(uniqueMachineName(seed, new Set())).toBe(first);
    const second = uniqueMachineName(seed, new Set([first]));
    expect(second).not.toBe(first);
    expect(second).toMatch(dnsLabel);
    const taken = new Set(Array.from({ length: 20 }, (_, i) => machineName(seed, i)));
    const later = uniqueMachineName(seed, taken);
    expect(taken.has(later)).toBe(false);
    expect(later).toMatch(dnsLabel);
  });
});
