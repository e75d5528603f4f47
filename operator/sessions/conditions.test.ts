import { describe, expect, it } from 'vitest';
import { firstBlocking, orderedConditions, runningPhase } from './conditions.ts';
import { workloadVerdicts } from './steps/workload.ts';

const now = new Date('2026-11-26T12:00:00Z');
const accepted = { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'ok' } as const;
const withinQuota = {
  type: 'QuotaAdmitted',
  status: 'True',
  reason: 'QuotaAdmitted',
  message: 'ok',
} as const;
const attached = { type: 'DataReady', status: 'True', reason: 'Attached', message: 'ok' } as const;

describe('ordered conditions', () => {
  it('gives phase and message from the first condition that is not True', () => {
    const conditions = orderedConditions(
      undefined,
      [
        accepted,
        withinQuota,
        attached,
        ...workloadVerdicts({
          state: 'Unschedulable',
          reason: 'Unschedulable',
          message: 'No node has 8 free GPUs',
          shortResources: ['nvidia.com/gpu'],
        }),
      ],
      3,
      now,
    );
    expect(runningPhase(conditions)).toBe('Queued');
    expect(firstBlocking(conditions)).toMatchObject({
      type: 'Scheduled',
      message: 'No node has 8 free GPUs',
    });
    // Later conditions wait for the blocking one, at the same generation.
    expect(conditions.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'Unknown',
      message: 'waiting for Scheduled',
      observedGeneration: 3,
    });
  });

  it('is Provisioning while the image is pulled and Running once ready and reachable', () => {
    const pulling = orderedConditions(
      undefined,
      [
        accepted,
        withinQuota,
        attached,
        ...workloadVerdicts({ state: 'Pending', reason: 'ContainerCreating', message: 'Pulling the image.' }),
      ],
      1,
      now,
    );
    expect(runningPhase(pulling)).toBe('Provisioning');
    const ready = orderedConditions(
      pulling,
      [
        accepted,
        withinQuota,
        attached,
        ...workloadVerdicts({
          state: 'Running',
          ready: true,
          address: '127.9.1.4',
          nodeName: 'kwok-cpu-1',
          message: 'up',
        }),
        { type: 'AccessReady', status: 'True', reason: 'EndpointReady', message: 'ready to connect' },
      ],
      1,
      new Date(now.getTime() + 5000),
    );
    expect(runningPhase(ready)).toBe('Running');
    expect(firstBlocking(ready)).toBeUndefined();
    // lastTransitionTime moves only for conditions whose status changed.
    const acceptedBefore = pulling.find((c) => c.type === 'Accepted')?.lastTransitionTime;
    expect(ready.find((c) => c.type === 'Accepted')?.lastTransitionTime).toBe(acceptedBefore);
    expect(ready.find((c) => c.type === 'Ready')?.lastTransitionTime).not.toBe(
      pulling.find((c) => c.type === 'Ready')?.lastTransitionTime,
    );
  });

  it('is Queued while a quota has no room, and Pending while quota admission waits on something else', () => {
    const queued = orderedConditions(
      undefined,
      [
        accepted,
        { type: 'QuotaAdmitted', status: 'False', reason: 'QuotaExceeded', message: 'You use 5 of 5' },
      ],
      1,
      now,
    );
    expect(runningPhase(queued)).toBe('Queued');
    expect(firstBlocking(queued)?.message).toBe('You use 5 of 5');
    const waiting = orderedConditions(undefined, [accepted], 1, now);
    expect(runningPhase(waiting)).toBe('Pending');
  });
});
