import { describe, expect, it } from 'vitest';
import type { Node, Pod } from '../../runtime/resources.ts';
import { gpuPools, nodeUsage } from './capacity.ts';

const node = (name: string, gpus: number, model?: string): Node => ({
  metadata: { name, labels: model ? { 'nvidia.com/gpu.product': model } : {} },
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
});
