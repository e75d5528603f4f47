// Free capacity from the node and pod caches: per node, allocatable against what its running pods
// request (cpu, memory, GPUs), and per GPU pool (nodes of one GPU model) how many GPUs are free and
// the most one session can get on one node. Pure: the launch form and the admin usage page read it.
import { NODE_POOL_LABEL, SESSION_LABEL } from '../../crds/index.ts';
import { quantityValue } from '../../runtime/quantity.ts';
import type { Node, Pod } from '../../runtime/resources.ts';

export const GPU_MODEL_LABEL = 'nvidia.com/gpu.product';
/** Where a node's pool is read from: the API's own label, else the usual cloud node-pool labels. */
export const POOL_LABELS = [
  NODE_POOL_LABEL,
  'karpenter.sh/nodepool',
  'cloud.google.com/gke-nodepool',
  'eks.amazonaws.com/nodegroup',
  'kubernetes.azure.com/agentpool',
];

export interface Amounts {
  cpu: number;
  memory: number;
  gpus: number;
}

export interface NodeUsage {
  name: string;
  /** The node pool (POOL_LABELS), or "" for a node in none. */
  pool: string;
  /** The GPU model (node label nvidia.com/gpu.product), or "" for nodes without one. */
  model: string;
  allocatable: Amounts;
  requested: Amounts;
  /** Pods of sessions on the node. */
  sessions: number;
  schedulable: boolean;
}

export interface GpuPool {
  model: string;
  nodes: number;
  total: number;
  free: number;
  /** The most GPUs one session can get: the largest free count on one node. */
  largestFree: number;
}

const amount = (list: Record<string, string> | undefined, name: string) =>
  quantityValue(list?.[name] ?? '0') ?? 0;

function podRequests(pod: Pod, gpuResource: string): Amounts {
  const sum: Amounts = { cpu: 0, memory: 0, gpus: 0 };
  for (const c of pod.spec?.containers ?? []) {
    const requests = (c.resources?.requests ?? {}) as Record<string, string>;
    const limits = (c.resources?.limits ?? {}) as Record<string, string>;
    // Extended resources may be given as limits only; requests then equal limits.
    const pick = (name: string) => amount(name in requests ? requests : limits, name);
    sum.cpu += pick('cpu');
    sum.memory += pick('memory');
    sum.gpus += pick(gpuResource);
  }
  return sum;
}

const isActive = (pod: Pod) => pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed';

export function nodeUsage(
  nodes: readonly Node[],
  pods: readonly Pod[],
  gpuResource = 'nvidia.com/gpu',
): NodeUsage[] {
  const byNode = new Map<string, Pod[]>();
  for (const pod of pods) {
    const node = pod.spec?.nodeName;
    if (!node || !isActive(pod)) continue;
    byNode.set(node, [...(byNode.get(node) ?? []), pod]);
  }
  return nodes
    .map((node) => {
      const name = node.metadata.name ?? '';
      const allocatable = (node.status?.allocatable ?? {}) as Record<string, string>;
      const requested: Amounts = { cpu: 0, memory: 0, gpus: 0 };
      let sessions = 0;
      for (const pod of byNode.get(name) ?? []) {
        const r = podRequests(pod, gpuResource);
        requested.cpu += r.cpu;
        requested.memory += r.memory;
        requested.gpus += r.gpus;
        if (pod.metadata.labels?.[SESSION_LABEL]) sessions++;
      }
      const labels = node.metadata.labels ?? {};
      return {
        name,
        pool: POOL_LABELS.map((l) => labels[l]).find((v) => v) ?? '',
        model: node.metadata.labels?.[GPU_MODEL_LABEL] ?? '',
        allocatable: {
          cpu: amount(allocatable, 'cpu'),
          memory: amount(allocatable, 'memory'),
          gpus: amount(allocatable, gpuResource),
        },
        requested,
        sessions,
        schedulable: node.spec?.unschedulable !== true,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** GPU pools: schedulable nodes with GPUs, grouped by model. */
export function gpuPools(usage: readonly NodeUsage[]): GpuPool[] {
  const pools = new Map<string, GpuPool>();
  for (const node of usage) {
    if (!node.schedulable || node.allocatable.gpus <= 0) continue;
    const model = node.model || 'GPU';
    const pool = pools.get(model) ?? { model, nodes: 0, total: 0, free: 0, largestFree: 0 };
    const free = Math.max(0, node.allocatable.gpus - node.requested.gpus);
    pool.nodes++;
    pool.total += node.allocatable.gpus;
    pool.free += free;
    pool.largestFree = Math.max(pool.largestFree, free);
    pools.set(model, pool);
  }
  return [...pools.values()].sort((a, b) => a.model.localeCompare(b.model));
}

export interface GpuPoolStatus {
  /** The node pool, or "" for GPU nodes in no pool. */
  pool: string;
  nodes: (Pick<NodeUsage, 'name' | 'model' | 'schedulable'> & {
    allocatable: number;
    requested: number;
    free: number;
  })[];
  /** Per GPU model in the pool: allocatable, requested and free (free counts schedulable nodes only). */
  models: { model: string; allocatable: number; requested: number; free: number }[];
}

/**
 * The GPU "Current status": per node pool and node, GPUs allocatable against requested, by model.
 * Cordoned nodes are listed (their GPUs may still be in use) but have nothing free.
 */
export function gpuStatus(usage: readonly NodeUsage[]): GpuPoolStatus[] {
  const pools = new Map<string, GpuPoolStatus>();
  for (const n of usage) {
    if (n.allocatable.gpus <= 0) continue;
    const pool = pools.get(n.pool) ?? { pool: n.pool, nodes: [], models: [] };
    const free = n.schedulable ? Math.max(0, n.allocatable.gpus - n.requested.gpus) : 0;
    pool.nodes.push({
      name: n.name,
      model: n.model || 'GPU',
      schedulable: n.schedulable,
      allocatable: n.allocatable.gpus,
      requested: n.requested.gpus,
      free,
    });
    const model = n.model || 'GPU';
    let m = pool.models.find((x) => x.model === model);
    if (!m) pool.models.push((m = { model, allocatable: 0, requested: 0, free: 0 }));
    m.allocatable += n.allocatable.gpus;
    m.requested += n.requested.gpus;
    m.free += free;
    pools.set(n.pool, pool);
  }
  for (const p of pools.values()) p.models.sort((a, b) => a.model.localeCompare(b.model));
  // Named pools first, by name; nodes in no pool last.
  return [...pools.values()].sort((a, b) => (!a.pool ? 1 : !b.pool ? -1 : a.pool.localeCompare(b.pool)));
}
