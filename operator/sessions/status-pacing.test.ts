import { describe, expect, it } from 'vitest';
import { PROGRESS_WRITE_INTERVAL_MS, progressWriteDelay } from './status-pacing.ts';

describe('progressWriteDelay', () => {
  it('writes the first status of a session at once: the user sees it was accepted', () => {
    expect(progressWriteDelay(undefined, 'Pending', undefined, 5000)).toBe(0);
  });

  it('holds a step on the way to Running until a second has passed since the last one', () => {
    expect(progressWriteDelay('Pending', 'Provisioning', 5000, 5300)).toBe(PROGRESS_WRITE_INTERVAL_MS - 300);
    expect(progressWriteDelay('Provisioning', 'Pending', 5000, 6000)).toBe(0);
    expect(progressWriteDelay('Pending', 'Pending', 5000, 7000)).toBe(0);
  });

  it('writes at once what a user must see: Running, a failure, a stop, or a start after Running', () => {
    for (const next of ['Running', 'Failed', 'Stopping', 'Stopped', 'Expired', 'Queued'] as const)
      expect(progressWriteDelay('Pending', next, 5000, 5100)).toBe(0);
    expect(progressWriteDelay('Running', 'Provisioning', 5000, 5100)).toBe(0);
    expect(progressWriteDelay('Stopped', 'Pending', 5000, 5100)).toBe(0);
  });

  it('writes at once when no on-the-way write is remembered (after a restart of the operator)', () => {
    expect(progressWriteDelay('Pending', 'Provisioning', undefined, 5100)).toBe(0);
  });
});
