import { describe, expect, it } from 'vitest';
import type { Node, Pod } from '../../runtime/resources.ts';
import { gpuPools, gpuStatus, nodeUsage } from './capacity.ts';

const node = (name: string, gpus: number, model?: string, pool?: string, cordoned = false): Node => ({
  metadata: {
    name,
    labels: {
      ...(model ? { 'nvidia.com/gpu.product': model } : {}),
      ...(pool ? { 'daas.calipsoplus.eu/node-pool': pool } : {}),
    },
  },
  ...(cordoned ? { spec: { unschedulable: true } } : {}),
  status: { allocatable: { cpu: '32', memory: '256Gi', 'nvidia.com/gpu': String(gpus) } },
});
const pod = (nodeName: string, gpus: number, phase = 'Running', session = true): Pod => ({
  metadata: { name: 'p', labels: session ? { 'daas.calipsoplus.eu/session': 's' } : {} },
  spec: {
    nodeName,
    containers: [
      {
        name: 'c',
        resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { 'nvidia.com/gpu': String(gpus) } },
      },
    ],
  },
  status: { phase },
});

describe('capacity from the node and pod caches', () => {
  it('counts what running pods request against what nodes offer', () => {
    const usage = nodeUsage(
      [node('gpu-1', 4, 'A100'), node('cpu-1', 0)],
      [pod('gpu-1', 1), pod('gpu-1', 2), pod('gpu-1', 4, 'Succeeded'), pod('cpu-1', 0, 'Running', false)],
    );
    expect(usage.map((u) => [u.name, u.requested.gpus, u.requested.cpu, u.sessions])).toEqual([
      ['cpu-1', 0, 0.5, 0],
      ['gpu-1', 3, 1, 2],
    ]);
    expect(usage[1]?.requested.memory).toBe(2 * 2 ** 30);
  });

  it('groups GPU nodes by model, with the largest free count on one node', () => {
    const usage = nodeUsage(
      [node('a', 4, 'A100'), node('b', 4, 'A100'), node('c', 2, 'V100'), node('d', 0)],
      [pod('a', 3), pod('b', 1)],
    );
    expect(gpuPools(usage)).toEqual([
      { model: 'A100', nodes: 2, total: 8, free: 4, largestFree: 3 },
      { model: 'V100', nodes: 1, total: 2, free: 2, largestFree: 2 },
    ]);
  });

  it('gives the current status per node pool and node, with totals per model; cordoned nodes offer nothing', () => {
    const usage = nodeUsage(
      [
        node('maxwell-p100-1', 4, 'Tesla-P100', 'maxgpu'),
        node('maxwell-v100-1', 4, 'Tesla-V100', 'maxgpu'),
        node('maxwell-v100-2', 4, 'Tesla-V100', 'maxgpu', true),
        node('spare-gpu', 2, 'Tesla-V100'),
        node('cpu-1', 0, undefined, 'maxcpu'),
        node('all-1', 8, 'Tesla-P100', 'allgpu'),
      ],
      [pod('maxwell-p100-1', 1), pod('maxwell-v100-1', 4), pod('maxwell-v100-2', 1)],
    );
    const status = gpuStatus(usage);
    // Named pools by name, GPU nodes in no pool last; CPU-only pools are not GPU status.
    expect(status.map((p) => p.pool)).toEqual(['allgpu', 'maxgpu', '']);
    const maxgpu = status[1];
    expect(maxgpu?.nodes.map((n) => [n.name, n.model, n.allocatable, n.requested, n.free])).toEqual([
      ['maxwell-p100-1', 'Tesla-P100', 4, 1, 3],
      ['maxwell-v100-1', 'Tesla-V100', 4, 4, 0],
      ['maxwell-v100-2', 'Tesla-V100', 4, 1, 0],
    ]);
    expect(maxgpu?.models).toEqual([
      { model: 'Tesla-P100', allocatable: 4, requested: 1, free: 3 },
      { model: 'Tesla-V100', allocatable: 8, requested: 5, free: 0 },
    ]);
    expect(status[2]?.models).toEqual([{ model: 'Tesla-V100', allocatable: 2, requested: 0, free: 2 }]);
  });
});
