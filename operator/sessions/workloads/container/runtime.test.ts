import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  NetworkPolicies,
  Pods,
  Secrets,
  type KubeObject,
  type ResourceType,
} from '../../../../runtime/resources.ts';
import type { DataVolumes } from '../../data-volumes.ts';
import { buildInput } from '../../fixtures.ts';
import type { Child, WorkloadInput } from '../types.ts';
import { containerRuntime } from './runtime.ts';

const now = new Date('2026-11-26T12:10:00Z');
const settings = { imagePullGraceMs: 120_000 };

/** Not what dataVolumes would compute for the fixture (that gives processed and home claims). */
const marked: DataVolumes = {
  volumes: [{ name: 'marker', nfs: { server: 'nfs.test', path: '/marker', readOnly: true } }],
  mounts: [{ name: 'marker', mountPath: '/data/marker', readOnly: true }],
  persistentVolumes: [],
  claims: [],
  notes: [],
};

const workloadInput = (): WorkloadInput => ({ ...buildInput(), data: marked, credentials: { token: 't' } });

function desired(): Child[] {
  const result = containerRuntime.desired(workloadInput());
  if (!result.ok) throw new Error(`${result.error.field}: ${result.error.message}`);
  return result.value;
}

const meta = (name: string, kind: string): KubeObject => ({
  apiVersion: 'v1',
  kind,
  metadata: { name, namespace: 'proposal-mx-2451', uid: `uid-${kind}` },
});

function observing(objects: [ResourceType, KubeObject][]) {
  const map = new Map(objects);
  return (type: ResourceType) => map.get(type);
}

describe('container runtime: desired', () => {
  it('is a NetworkPolicy and a Pod, in that order (no Service: the pod is reached at its address)', () => {
    expect(desired().map((c) => [c.type, c.object.kind, c.object.metadata.name])).toEqual([
      [NetworkPolicies, 'NetworkPolicy', 'daas-image-jupyter-scipy'],
      [Pods, 'Pod', 'daas-quick-look'],
    ]);
  });

  it('mounts the data volumes it is given rather than computing them again', () => {
    const pod = desired().find((c) => c.type === Pods)?.object as V1Pod;
    expect(pod.spec?.volumes).toEqual(marked.volumes);
    expect(pod.spec?.containers[0]?.volumeMounts).toEqual(marked.mounts);
  });

  it("declares the image's shared NetworkPolicy, then the pod as immutable and waiting for data", () => {
    expect(containerRuntime.runtime).toBe('container');
    expect(containerRuntime.children).toEqual([
      { type: NetworkPolicies, shared: true },
      { type: Pods, immutable: true, needsData: true },
    ]);
  });

  it('passes on the pod builder refusal', () => {
    const input = { ...workloadInput(), machineName: 'Not_A_Label' };
    expect(containerRuntime.desired(input)).toMatchObject({
      ok: false,
      error: { reason: 'InvalidMachineName', field: 'status.machineName' },
    });
  });
});

describe('container runtime: diagnose', () => {
  const runningPod = (podIP?: string) =>
    ({
      metadata: { name: 'daas-quick-look', namespace: 'proposal-mx-2451' },
      spec: { nodeName: 'kwok-cpu-1', containers: [{ name: 'session', image: 'x:1' }] },
      status: {
        phase: 'Running',
        ...(podIP ? { podIP } : {}),
        conditions: [
          { type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-11-26T12:00:00Z' },
          { type: 'Ready', status: 'True' },
        ],
      },
    }) as unknown as KubeObject;

  it("gives the pod's IP as the address", () => {
    const d = containerRuntime.diagnose(observing([[Pods, runningPod('10.244.1.7')]]), now, settings);
    expect(d).toEqual({
      state: 'Running',
      ready: true,
      address: '10.244.1.7',
      nodeName: 'kwok-cpu-1',
      message: 'The session is running.',
    });
  });

  it('has no address while the pod has no IP', () => {
    const d = containerRuntime.diagnose(observing([[Pods, runningPod()]]), now, settings);
    expect(d).toMatchObject({ state: 'Running', ready: true });
    expect(d).not.toHaveProperty('address');
    expect(d).not.toHaveProperty('podIP');
  });

  it('is Absent without a pod, even when the NetworkPolicy and Secret remain', () => {
    const observed = observing([
      [NetworkPolicies, meta('daas-quick-look', 'NetworkPolicy')],
      [Secrets, meta('daas-quick-look', 'Secret')],
    ]);
    expect(containerRuntime.diagnose(observed, now, settings)).toEqual({ state: 'Absent' });
  });
});

describe('container runtime: cleanup', () => {
  it("removes exactly the observed Pod, never the Secret nor the image's shared NetworkPolicy", () => {
    const pod = meta('daas-quick-look', 'Pod');
    const policy = meta('daas-quick-look', 'NetworkPolicy');
    const observed = observing([
      [Pods, pod],
      [NetworkPolicies, policy],
      [Secrets, meta('daas-quick-look', 'Secret')],
    ]);
    const removed = containerRuntime.cleanup(observed);
    expect(removed).toHaveLength(1);
    expect(removed).toEqual(expect.arrayContaining([{ type: Pods, object: pod }]));
    expect(removed.some((c) => c.type === Secrets)).toBe(false);
  });

  it('removes only what is there', () => {
    const pod = meta('daas-quick-look', 'Pod');
    expect(containerRuntime.cleanup(observing([[Pods, pod]]))).toEqual([{ type: Pods, object: pod }]);
    expect(
      containerRuntime.cleanup(observing([[NetworkPolicies, meta('daas-image-x', 'NetworkPolicy')]])),
    ).toEqual([]);
    expect(containerRuntime.cleanup(observing([[Secrets, meta('daas-quick-look', 'Secret')]]))).toEqual([]);
  });
});
