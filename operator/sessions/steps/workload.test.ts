import { describe, expect, it } from 'vitest';
import type { WorkloadDiagnosis } from '../workloads/types.ts';
import { withCapacityNote, workloadVerdicts } from './workload.ts';

describe('workload verdicts', () => {
  it.each<[string, WorkloadDiagnosis, ReturnType<typeof workloadVerdicts>]>([
    [
      'absent: being created',
      { state: 'Absent' },
      [{ type: 'Scheduled', status: 'False', reason: 'Creating', message: 'Creating the session.' }],
    ],
    [
      'pending in the scheduler: not yet placed',
      { state: 'Pending', reason: 'Scheduling', message: 'Waiting for a node.' },
      [
        { type: 'Scheduled', status: 'False', reason: 'Scheduling', message: 'Waiting for a node.' },
        { type: 'Ready', status: 'False', reason: 'Scheduling', message: 'Waiting for a node.' },
      ],
    ],
    [
      'pending on a node: placed, not ready',
      { state: 'Pending', reason: 'ContainerCreating', message: 'Pulling the image.' },
      [
        { type: 'Scheduled', status: 'True', reason: 'Scheduled', message: 'placed on a node' },
        { type: 'Ready', status: 'False', reason: 'ContainerCreating', message: 'Pulling the image.' },
      ],
    ],
    [
      'unschedulable',
      {
        state: 'Unschedulable',
        reason: 'Unschedulable',
        message: 'No node has 8 free GPUs.',
        shortResources: ['nvidia.com/gpu'],
      },
      [{ type: 'Scheduled', status: 'False', reason: 'Unschedulable', message: 'No node has 8 free GPUs.' }],
    ],
    [
      'running and ready',
      { state: 'Running', ready: true, nodeName: 'kwok-cpu-1', message: 'The session is running.' },
      [
        { type: 'Scheduled', status: 'True', reason: 'Scheduled', message: 'on node kwok-cpu-1' },
        { type: 'Ready', status: 'True', reason: 'Ready', message: 'the environment is up' },
      ],
    ],
    [
      'running, not ready yet, node unknown',
      { state: 'Running', ready: false, message: 'The session is starting.' },
      [
        { type: 'Scheduled', status: 'True', reason: 'Scheduled', message: 'on node' },
        { type: 'Ready', status: 'False', reason: 'Starting', message: 'The session is starting.' },
      ],
    ],
    [
      'failed',
      { state: 'Failed', reason: 'CrashLoop', message: 'The session keeps crashing.' },
      [
        { type: 'Scheduled', status: 'True', reason: 'Scheduled', message: 'placed on a node' },
        { type: 'Ready', status: 'False', reason: 'CrashLoop', message: 'The session keeps crashing.' },
      ],
    ],
  ])('%s', (_what, diagnosis, verdicts) => {
    expect(workloadVerdicts(diagnosis)).toEqual(verdicts);
  });
});

// Node objects shaped like those in workloads/capacity.test.ts.
const node = (name: string, allocatable: Record<string, string>, labels: Record<string, string> = {}) => ({
  metadata: { name, labels },
  spec: { unschedulable: false },
  status: { allocatable },
});
const nodes = [
  node('cpu-1', { cpu: '32', memory: '256Gi' }),
  node('gpu-1', { cpu: '64', memory: '512Gi', 'nvidia.com/gpu': '4' }, { 'nvidia.com/gpu.present': 'true' }),
];
const unschedulable = (message: string): WorkloadDiagnosis => ({
  state: 'Unschedulable',
  reason: 'Unschedulable',
  message,
  shortResources: ['nvidia.com/gpu'],
});
const messageOf = (d: WorkloadDiagnosis) => ('message' in d ? d.message : undefined);

describe('capacity note', () => {
  it("goes before the scheduler's own words", () => {
    const d = withCapacityNote(
      unschedulable('No node has 8 free GPUs. Scheduler: 0/2 nodes are available.'),
      nodes,
      undefined,
    );
    expect(messageOf(d)).toBe(
      'No node has 8 free GPUs. The largest suitable node offers 4 nvidia.com/gpu in all. Scheduler: 0/2 nodes are available.',
    );
    expect(d).toMatchObject({ state: 'Unschedulable', shortResources: ['nvidia.com/gpu'] });
  });

  it('is appended when the scheduler said nothing', () => {
    expect(messageOf(withCapacityNote(unschedulable('No node has 8 free GPUs.'), nodes, undefined))).toBe(
      'No node has 8 free GPUs. The largest suitable node offers 4 nvidia.com/gpu in all.',
    );
  });

  it('counts only the nodes the image selects', () => {
    expect(
      messageOf(withCapacityNote(unschedulable('Too big.'), nodes, { 'nvidia.com/gpu.present': 'false' })),
    ).toBe('Too big. No suitable node has nvidia.com/gpu at all.');
  });

  it('leaves an Unschedulable diagnosis with no short resource as it is', () => {
    const d: WorkloadDiagnosis = {
      state: 'Unschedulable',
      reason: 'Unschedulable',
      message: 'Taints.',
      shortResources: [],
    };
    expect(withCapacityNote(d, nodes, undefined)).toBe(d);
  });

  it.each<WorkloadDiagnosis>([
    { state: 'Absent' },
    { state: 'Pending', reason: 'Scheduling', message: 'Waiting. Scheduler: busy.' },
    { state: 'Running', ready: true, message: 'up' },
    { state: 'Failed', reason: 'CrashLoop', message: 'crashing' },
  ])('leaves a $state diagnosis alone', (d) => {
    expect(withCapacityNote(d, nodes, undefined)).toBe(d);
  });
});
