// The runtimes a session can run on, by SessionImage `spec.runtime`. The operator registers the
// container runtime, and virtual machines with --virtual-machines (operator/controllers.ts); tests
// register their own.
import { containerRuntime } from './container/runtime.ts';
import type { WorkloadRuntime } from './types.ts';

export type WorkloadRuntimes = ReadonlyMap<string, WorkloadRuntime>;

export function workloadRuntimes(...runtimes: WorkloadRuntime[]): WorkloadRuntimes {
  return new Map(runtimes.map((r) => [r.runtime, r]));
}

export const DEFAULT_RUNTIMES: WorkloadRuntimes = workloadRuntimes(containerRuntime);
