// The container runtime of the workload seam: a session runs as one Pod, reached through a Service,
// fenced by a NetworkPolicy. The builders and the pod diagnosis beside this file do the work.
import type { V1Pod } from '@kubernetes/client-node';
import { NetworkPolicies, Pods, Services, type KubeObject } from '../../../../runtime/resources.ts';
import type { WorkloadDiagnosis, WorkloadRuntime } from '../types.ts';
import { diagnosePod } from './diagnosis.ts';
import { generateNetworkPolicy } from './networkpolicy.ts';
import { generatePod } from './pod.ts';
import { generateService } from './service.ts';

const asObject = (o: object) => o as KubeObject;

export const containerRuntime: WorkloadRuntime = {
  runtime: 'container',
  children: [{ type: Services }, { type: NetworkPolicies }, { type: Pods, immutable: true, needsData: true }],

  desired(input) {
    const pod = generatePod(input, { ok: true, value: input.data });
    if (!pod.ok) return pod;
    return {
      ok: true,
      value: [
        { type: Services, object: asObject(generateService(input)) },
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
    return [Pods, Services, NetworkPolicies].flatMap((type) => {
      const object = observed(type);
      return object ? [{ type, object }] : [];
    });
  },
};
