import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../runtime/resources.ts';
import { containerRuntime } from '../workloads/container/runtime.ts';
import type { Admission } from './admit.ts';
import { heldNotice, heldWorkload } from './hold.ts';
import type { WorkloadIntent } from './intent.ts';

const pod = (deleting = false): KubeObject => ({
  metadata: { name: 'daas-x', ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
});
const running = (object = pod()) => ({ workload: { object, runtime: containerRuntime } });
const tooBig: Admission = {
  terminal: true,
  verdict: {
    type: 'Accepted',
    status: 'False',
    reason: 'ResourcesExceedImageMaximum',
    message: 'spec.resources.memory: 64Gi is more than the image allows (4Gi)',
  },
};
const refused: WorkloadIntent = { run: false, why: 'refused', keepCredentials: true };

describe('heldWorkload', () => {
  it('keeps a running workload through a change that admission refuses', () => {
    const held = heldWorkload(running(), refused, tooBig);
    expect(held).toMatchObject({ reason: 'ResourcesExceedImageMaximum', message: tooBig.verdict.message });
    expect(held?.runtime).toBe(containerRuntime);
    expect(heldNotice(held ?? { runtime: containerRuntime, reason: 'Failed', message: '' })).toBe(
      'The latest change to the session was refused: spec.resources.memory: 64Gi is more than the image allows (4Gi). It keeps running as it was; change the session again (or stop it) to go on.',
    );
  });

  it("names the builders' refusal, with its field", () => {
    const intent: WorkloadIntent = {
      ...refused,
      refusal: {
        reason: 'InvalidDataPath',
        field: 'spec.data.mounts[0].subPath',
        message: 'leaves the proposal',
      },
    };
    expect(heldWorkload(running(), intent, { ...tooBig, terminal: false })).toMatchObject({
      reason: 'InvalidDataPath',
      message: 'spec.data.mounts[0].subPath: leaves the proposal',
    });
  });

  it('holds nothing when nothing runs, when it is going away, or when the session is stopped or expired', () => {
    expect(heldWorkload({ workload: undefined }, refused, tooBig)).toBeUndefined();
    expect(heldWorkload(running(pod(true)), refused, tooBig)).toBeUndefined();
    for (const why of ['stopped', 'expired', 'failed', 'waiting'] as const)
      expect(heldWorkload(running(), { run: false, why, keepCredentials: true }, tooBig)).toBeUndefined();
  });
});
