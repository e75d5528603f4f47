import { describe, expect, it } from 'vitest';
import { capacityNote, largestAllocatable } from './capacity.ts';

const node = (
  name: string,
  allocatable: Record<string, string>,
  labels: Record<string, string> = {},
  unschedulable = false,
) => ({
  metadata: { name, labels },
  spec: { unschedulable },
  status: { allocatable },
});

const nodes = [
  node('cpu-1', { cpu: '32', memory: '256Gi' }),
  node('gpu-1', { cpu: '64', memory: '512Gi', 'nvidia.com/gpu': '4' }, { 'nvidia.com/gpu.present': 'true' }),
  node(
    'gpu-2',
    { cpu: '64', memory: '1Ti', 'nvidia.com/gpu': '8' },
    { 'nvidia.com/gpu.present': 'true' },
    true,
  ),
];

describe('largest allocatable', () => {
  it('compares quantities exactly and skips cordoned nodes', () => {
    expect(largestAllocatable(nodes, 'memory')).toBe('512Gi');
    expect(largestAllocatable(nodes, 'nvidia.com/gpu')).toBe('4');
  });

  it('only counts nodes the session may run on', () => {
    expect(largestAllocatable(nodes, 'cpu', { 'nvidia.com/gpu.present': 'true' })).toBe('64');
    expect(largestAllocatable(nodes, 'cpu', { zone: 'nowhere' })).toBeUndefined();
  });

  it('says what the largest node offers, for each short resource', () => {
    expect(capacityNote(nodes, ['nvidia.com/gpu', 'cpu'])).toBe(
      'The largest suitable node offers 4 nvidia.com/gpu, 64 cpu in all.',
    );
    expect(capacityNote(nodes, ['amd.com/gpu'])).toBe('No suitable node has amd.com/gpu at all.');
    expect(capacityNote(nodes, [])).toBe('');
  });
});
