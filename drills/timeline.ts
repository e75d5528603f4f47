// Where the time goes after a control-plane fault: polls the drill's pods and nodes every 250 ms and
// records, from a start instant, when each pod was first bound (kube-scheduler), first Running and
// ready (kwok, as a kubelet would), and when the nodes were last seen NotReady or tainted by the node
// controller. A drill prints these beside its recovery time, so a slow recovery names its component.
import { sleep } from '../runtime/time.ts';
import { DRILL_NAMESPACE, podReady, type Drill } from './harness.ts';

/** Taints the node lifecycle controller puts on a node it cannot hear from. */
const NODE_HEALTH_TAINTS = new Set(['node.kubernetes.io/unreachable', 'node.kubernetes.io/not-ready']);

export interface TimelineFacts {
  /** Seconds from the start until the last named pod was bound to a node. */
  boundS: number;
  /** Seconds until the last named pod was Running and ready. */
  podsRunningS: number;
  /** Seconds until a node was last seen NotReady or with a node-health taint (0: never). */
  nodesHealthyS: number;
}

export class Timeline {
  private readonly bound = new Map<string, number>();
  private readonly running = new Map<string, number>();
  private lastUnhealthyNode = 0;
  private stopped = false;
  private readonly loop: Promise<void>;
  private readonly drill: Drill;
  private readonly podNames: readonly string[];
  private readonly startedAt: number;

  /** Starts polling; times are seconds from `startedAt` (a performance.now() instant). */
  constructor(drill: Drill, podNames: readonly string[], startedAt: number) {
    this.drill = drill;
    this.podNames = podNames;
    this.startedAt = startedAt;
    this.loop = this.poll();
  }

  private async poll(): Promise<void> {
    while (!this.stopped) {
      await this.pollOnce();
      await sleep(250);
    }
  }

  private async pollOnce(): Promise<void> {
    const now = (performance.now() - this.startedAt) / 1000;
    const [pods, nodes] = await Promise.all([
      this.drill.core.listNamespacedPod({ namespace: DRILL_NAMESPACE }).catch(() => undefined),
      this.drill.core.listNode().catch(() => undefined),
    ]);
    for (const pod of pods?.items ?? []) {
      const name = pod.metadata?.name ?? '';
      if (!this.podNames.includes(name)) continue;
      if (pod.spec?.nodeName && !this.bound.has(name)) this.bound.set(name, now);
      if (podReady(pod) && !this.running.has(name)) this.running.set(name, now);
    }
    for (const node of nodes?.items ?? []) {
      const ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
      const tainted = node.spec?.taints?.some((t) => NODE_HEALTH_TAINTS.has(t.key)) ?? false;
      if (!ready || tainted) this.lastUnhealthyNode = now;
    }
  }

  async stop(): Promise<TimelineFacts> {
    this.stopped = true;
    await this.loop;
    await this.pollOnce(); // what happened since the last poll (the caller saw the pods run)
    const last = (m: Map<string, number>) =>
      this.podNames.every((n) => m.has(n)) ? Math.max(...this.podNames.map((n) => m.get(n) ?? 0)) : NaN;
    return {
      boundS: last(this.bound),
      podsRunningS: last(this.running),
      nodesHealthyS: this.lastUnhealthyNode,
    };
  }
}
