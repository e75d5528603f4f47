// The pure decision between restarting a session whose pod the cluster ended and failing one whose
// pod failed by its own doing.
import type { V1Pod, V1PodCondition } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { diagnosePod } from './diagnosis.ts';
import { clusterDisruption } from './disruption.ts';

function failedPod(conditions: Partial<V1PodCondition>[] = [], extra: Partial<V1Pod['status']> = {}): V1Pod {
  return {
    metadata: { name: 'daas-s' },
    spec: { nodeName: 'kwok-cpu-1', containers: [] },
    status: {
      phase: 'Failed',
      conditions: conditions.map((c) => ({ type: 'DisruptionTarget', status: 'True', ...c })),
      ...extra,
    },
  };
}

const nodes =
  (...names: string[]) =>
  (name: string) =>
    names.includes(name);

describe('clusterDisruption', () => {
  it('restarts a pod failed by the pod garbage collector (its node was deleted)', () => {
    expect(clusterDisruption(failedPod([{ reason: 'DeletionByPodGC' }]))).toBe('its node was lost');
  });

  it.each([
    ['DeletionByTaintManager', 'unreachable'],
    ['EvictionByEvictionAPI', 'evicted'],
    ['PreemptionByScheduler', 'higher-priority'],
  ])('restarts a pod the cluster ended with %s', (reason, words) => {
    expect(clusterDisruption(failedPod([{ reason }]))).toContain(words);
  });

  it('restarts a failed pod whose node is gone, even without the condition', () => {
    expect(clusterDisruption(failedPod(), nodes('kwok-cpu-2'))).toBe('its node was lost');
  });

  it('fails a pod that failed by its own doing (exit, out of memory) on a node that exists', () => {
    expect(clusterDisruption(failedPod(), nodes('kwok-cpu-1'))).toBeUndefined();
    expect(clusterDisruption(failedPod(), undefined)).toBeUndefined();
  });

  it('fails a node-pressure eviction: it may be the session’s own memory or disk use', () => {
    const evicted = failedPod([{ reason: 'TerminationByKubelet' }], { reason: 'Evicted' });
    expect(clusterDisruption(evicted, nodes('kwok-cpu-1'))).toBeUndefined();
  });

  it('ignores a condition that is not True, and pods that have not failed', () => {
    expect(clusterDisruption(failedPod([{ reason: 'DeletionByPodGC', status: 'False' }]))).toBeUndefined();
    const running = failedPod([{ reason: 'DeletionByPodGC' }]);
    running.status = { phase: 'Running' };
    expect(clusterDisruption(running, nodes())).toBeUndefined();
    expect(clusterDisruption(undefined)).toBeUndefined();
  });
});

describe('diagnosePod on a pod the cluster ended', () => {
  it('still says Failed, and names the disruption the workload step restarts on', () => {
    const d = diagnosePod(failedPod([{ reason: 'DeletionByPodGC' }]), new Date());
    expect(d).toMatchObject({ state: 'Failed', disrupted: 'its node was lost' });
    const own = diagnosePod(failedPod(), new Date(), { nodeExists: nodes('kwok-cpu-1') });
    expect(own.state).toBe('Failed');
    expect('disrupted' in own).toBe(false);
  });
});
