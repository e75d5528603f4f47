import { describe, expect, it } from 'vitest';
import { Membership } from './membership.ts';

describe('membership from access reviews', () => {
  it('asks once per user and namespace within the TTL, then again', async () => {
    let now = 0;
    const asked: string[] = [];
    const membership = new Membership(
      (who, ns) => {
        asked.push(`${who.user}@${ns}`);
        return Promise.resolve(ns === 'proposal-a');
      },
      30_000,
      () => now,
    );
    const who = { user: 'akowalska', groups: [] };
    expect(await membership.memberOf(who, ['proposal-a', 'proposal-b'])).toEqual(['proposal-a']);
    expect(await membership.memberOf(who, ['proposal-a', 'proposal-b'])).toEqual(['proposal-a']);
    expect(asked).toEqual(['akowalska@proposal-a', 'akowalska@proposal-b']);
    now = 30_000;
    await membership.mayLaunch(who, 'proposal-a');
    expect(asked).toHaveLength(3);
  });

  it('does not remember a review that failed', async () => {
    let fail = true;
    const membership = new Membership(
      () => (fail ? Promise.reject(new Error('down')) : Promise.resolve(true)),
      30_000,
    );
    const who = { user: 'jdupont', groups: ['g'] };
    await expect(membership.mayLaunch(who, 'ns')).rejects.toThrow('down');
    fail = false;
    await Promise.resolve();
    expect(await membership.mayLaunch(who, 'ns')).toBe(true);
  });
});
