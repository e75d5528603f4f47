// Extra fake nodes for the benchmarks: the launcher's three take 110 pods each, a burst needs more.
import { until, type BenchCluster } from './common.ts';

/** Adds kwok nodes with room for `pods` more pods (250 each: a /24 podCIDR holds 254 addresses). */
export async function addBenchNodes(bench: BenchCluster, pods: number): Promise<void> {
  const perNode = 250;
  for (let i = 0; i < Math.ceil(pods / perNode); i++) {
    const cidr = `127.${String(bench.cluster.podNetwork)}.${String(100 + i)}.0/24`;
    const capacity = { cpu: '1000', memory: '4Ti', pods: String(perNode), 'ephemeral-storage': '10Ti' };
    await bench.core.createNode({
      body: {
        metadata: {
          name: `bench-node-${String(i)}`,
          annotations: { 'kwok.x-k8s.io/node': 'fake' },
          labels: { type: 'kwok', 'kubernetes.io/hostname': `bench-node-${String(i)}` },
        },
        spec: { podCIDR: cidr, podCIDRs: [cidr] },
        status: { capacity, allocatable: capacity },
      },
    });
  }
  await until(
    async () => {
      const nodes = (await bench.core.listNode()).items;
      return nodes.every((node) =>
        node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      );
    },
    60_000,
    200,
  );
}
