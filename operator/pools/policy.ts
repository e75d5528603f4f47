// The warm pool's decisions, pure: how many unclaimed VMs each image may keep within the admin's
// budget (images served in name order), which VMs to create and which to drain, and the counts the
// image status shows. Claimed VMs are never drained here: they belong to their sessions.
import { CLAIMED_BY_LABEL, POOL_SPEC_ANNOTATION } from '../../crds/index.ts';
import type { VirtualMachine } from '../sessions/workloads/vm/kinds.ts';
import type { PoolBudget } from './config.ts';

/** What the plan needs to know of an image with a pool. */
export interface PoolImage {
  /** The value of the pool label its VMs carry. */
  label: string;
  size: number;
  /** One VM's requests. */
  milliCpu: number;
  memoryBytes: number;
  /** The spec hash its VMs must carry; others are replaced. */
  specHash: string;
}

export interface PoolCounts {
  ready: number;
  booting: number;
  claimed: number;
}

export interface ImagePlan {
  /** How many unclaimed VMs the budget allows it (at most its size). */
  allowed: number;
  /** How many VMs to create now. */
  create: number;
  /** Unclaimed VMs to delete (stale settings, size lowered, image gone, over budget). */
  drain: VirtualMachine[];
  counts: PoolCounts;
  /** Why it holds fewer than its size, in plain words. */
  message?: string;
}

export const isClaimed = (vm: VirtualMachine) => Boolean(vm.metadata.labels?.[CLAIMED_BY_LABEL]);
/** Booted and ready to be claimed (KubeVirt's VM status.ready: its instance runs and is Ready). */
export const isReady = (vm: VirtualMachine) =>
  vm.status?.ready === true && vm.status.printableStatus === 'Running' && !vm.metadata.deletionTimestamp;

/** Drain order: VMs still booting first (they are worth least), then the newest. */
function drainOrder(a: VirtualMachine, b: VirtualMachine): number {
  const ready = Number(isReady(a)) - Number(isReady(b));
  if (ready !== 0) return ready;
  const created = (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '');
  return created !== 0 ? created : (b.metadata.name ?? '').localeCompare(a.metadata.name ?? '');
}

/** Each image's share of the budget, in name order: as many VMs as fit, up to its size. */
export function allocate(
  images: readonly PoolImage[],
  budget: PoolBudget,
): Map<string, { allowed: number; message?: string }> {
  let vms = budget.vms;
  let cpu = budget.milliCpu;
  let memory = budget.memoryBytes;
  const out = new Map<string, { allowed: number; message?: string }>();
  for (const image of [...images].sort((a, b) => a.label.localeCompare(b.label))) {
    const limits: [number, string][] = [
      [image.size, ''],
      [vms, '--warm-pool-max-vms'],
      [image.milliCpu > 0 ? Math.floor(cpu / image.milliCpu) : Infinity, '--warm-pool-max-cpu'],
      [image.memoryBytes > 0 ? Math.floor(memory / image.memoryBytes) : Infinity, '--warm-pool-max-memory'],
    ];
    const [allowed, limit] = limits.reduce((min, l) => (l[0] < min[0] ? l : min));
    const n = Math.max(0, allowed);
    vms -= n;
    cpu -= n * image.milliCpu;
    memory -= n * image.memoryBytes;
    out.set(
      image.label,
      n < image.size
        ? {
            allowed: n,
            message: `The pool budget (${limit}) leaves room for ${String(n)} of ${String(image.size)} VMs; images earlier in name order use the rest.`,
          }
        : { allowed: n },
    );
  }
  return out;
}

/** The plan for one image's VMs (`image` undefined: the image is gone or has no pool any more). */
export function planImage(
  image: PoolImage | undefined,
  allowed: number,
  vms: readonly VirtualMachine[],
): Omit<ImagePlan, 'message'> {
  const live = vms.filter((vm) => !vm.metadata.deletionTimestamp);
  const claimed = live.filter(isClaimed);
  const unclaimed = live.filter((vm) => !isClaimed(vm));
  const current = unclaimed.filter(
    (vm) => image && vm.metadata.annotations?.[POOL_SPEC_ANNOTATION] === image.specHash,
  );
  const stale = unclaimed.filter((vm) => !current.includes(vm));
  const keep = image ? Math.min(allowed, image.size) : 0;
  const excess = [...current].sort(drainOrder).slice(0, Math.max(0, current.length - keep));
  const kept = current.filter((vm) => !excess.includes(vm));
  const ready = kept.filter(isReady).length;
  return {
    allowed: keep,
    create: Math.max(0, keep - current.length),
    drain: [...stale, ...excess],
    counts: { ready, booting: kept.length - ready, claimed: claimed.length },
  };
}
