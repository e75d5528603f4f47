// The container runtime of the workload seam: a session runs as one Pod, fenced by a NetworkPolicy.
// No Service: the gateway and the activity probe reach the pod at its own address (status.endpoint),
// so a Service would cost a write and a service IP per session for nothing. The builders and the pod
// diagnosis beside this file do the work.
import type { V1Pod } from '@kubernetes/client-node';
import { CREDENTIALS_FINGERPRINT_ANNOTATION } from '../../../../crds/index.ts';
import { credentialsFingerprint } from '../../credentials.ts';
import { imageSettingsAnnotation } from '../../image-settings.ts';
import { NetworkPolicies, Pods, type KubeObject } from '../../../../runtime/resources.ts';
import type { WorkloadDiagnosis, WorkloadRuntime } from '../types.ts';
import { diagnosePod } from './diagnosis.ts';
import { generateNetworkPolicy } from './networkpolicy.ts';
import { generatePod } from './pod.ts';

const asObject = (o: object) => o as KubeObject;

export const containerRuntime: WorkloadRuntime = {
  runtime: 'container',
  children: [
    { type: NetworkPolicies, shared: true },
    { type: Pods, immutable: true, needsData: true },
  ],

  desired(input) {
    const pod = generatePod(input, { ok: true, value: input.data });
    if (!pod.ok) return pod;
    // What the pod starts with, recorded on it: its credentials (by fingerprint) and image settings.
    const metadata = pod.value.metadata ?? {};
    metadata.annotations = {
      ...metadata.annotations,
      [CREDENTIALS_FINGERPRINT_ANNOTATION]: credentialsFingerprint(input.credentials),
      ...imageSettingsAnnotation(input.image),
    };
    pod.value.metadata = metadata;
    return {
      ok: true,
      value: [
        { type: NetworkPolicies, object: asObject(generateNetworkPolicy(input)) },
        { type: Pods, object: asObject(pod.value) },
      ],
    };
  },

  diagnose(observed, now, settings): WorkloadDiagnosis {
    // Cached objects are plain JSON; diagnosePod reads timestamps as Date or string alike.
    const d = diagnosePod(observed(Pods) as V1Pod | undefined, now, settings);
    if (d.state !== 'Running') return d;
    const { podIP, ...rest } = d;
    return podIP ? { ...rest, address: podIP } : rest;
  },

  cleanup(observed) {
    const pod = observed(Pods);
    return pod ? [{ type: Pods, object: pod }] : [];
  },
};
