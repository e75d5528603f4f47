// Whether the cluster, not the session, ended a session's pod: its node was lost, the pod was evicted
// for a drain or preempted. Such a session is restarted (a new pod, the same Secret and data) instead
// of failing; a pod that failed by its own doing (a crash, an exit, running out of memory, node
// pressure caused by its own usage) still fails fast. Pure.
import type { V1Pod } from '@kubernetes/client-node';

/**
 * DisruptionTarget reasons Kubernetes writes when it ends a pod for reasons of its own, in plain
 * words. TerminationByKubelet is left out on purpose: a node-pressure eviction may be the session's
 * own memory or disk use, and restarting it would only repeat the eviction.
 */
const CLUSTER_DISRUPTIONS: Record<string, string> = {
  DeletionByPodGC: 'its node was lost',
  DeletionByTaintManager: 'its node became unreachable or was taken out of service',
  EvictionByEvictionAPI: 'it was evicted from its node (a drain)',
  PreemptionByScheduler: 'a higher-priority workload took its place on the node',
};

/**
 * Why the cluster ended this pod, in words that complete "restarted because ...", or undefined when
 * the pod has not failed or failed by its own doing. `nodeExists` (absent: unknown) says whether the
 * pod's node still exists; a failed pod whose node is gone was lost with it.
 */
export function clusterDisruption(
  pod: V1Pod | undefined,
  nodeExists?: (name: string) => boolean,
): string | undefined {
  if (pod?.status?.phase !== 'Failed') return undefined;
  const target = pod.status.conditions?.find((c) => c.type === 'DisruptionTarget' && c.status === 'True');
  const cause = target?.reason === undefined ? undefined : CLUSTER_DISRUPTIONS[target.reason];
  if (cause) return cause;
  const node = pod.spec?.nodeName;
  if (node && nodeExists && !nodeExists(node)) return 'its node was lost';
  return undefined;
}
