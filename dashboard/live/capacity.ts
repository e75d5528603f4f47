// Live capacity: one handler on the node and pod caches that, a moment after changes (coalesced, so
// a burst of pod updates is one re-render), tells the open capacity streams to render the GPU status
// again. No polling: the watches deliver the changes.
import type { Cache } from '../../runtime/informer.ts';
import type { Node, Pod } from '../../runtime/resources.ts';
import { gpuStatus, nodeUsage, type GpuPoolStatus } from '../capacity/capacity.ts';

/** How long changes are gathered before one re-render: well within the one second the pages promise. */
export const CAPACITY_COALESCE_MS = 150;

export type CapacityListener = (status: (gpuResource: string) => GpuPoolStatus[]) => void;

export class CapacityFeed {
  private readonly listeners = new Set<CapacityListener>();
  private readonly nodes: Cache<Node>;
  private readonly pods: Cache<Pod>;
  private timer: NodeJS.Timeout | undefined;

  constructor(nodes: Cache<Node>, pods: Cache<Pod>) {
    this.nodes = nodes;
    this.pods = pods;
    const changed = () => {
      this.schedule();
    };
    const handler = { onAdd: changed, onUpdate: changed, onDelete: changed };
    nodes.addHandler(handler);
    pods.addHandler(handler);
  }

  /** The status now, for one GPU resource name. */
  status(gpuResource: string): GpuPoolStatus[] {
    return gpuStatus(nodeUsage(this.nodes.list(), this.pods.list(), gpuResource));
  }

  subscribe(listener: CapacityListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private schedule(): void {
    if (this.timer || this.listeners.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // One computation per GPU resource name per flush, shared by every stream that shows it.
      const computed = new Map<string, GpuPoolStatus[]>();
      const status = (gpuResource: string) => {
        let s = computed.get(gpuResource);
        if (!s) computed.set(gpuResource, (s = this.status(gpuResource)));
        return s;
      };
      for (const l of this.listeners) l(status);
    }, CAPACITY_COALESCE_MS);
    this.timer.unref();
  }
}
