// The workload seam: what a session runs on (a pod today, a KubeVirt VirtualMachine next) behind one
// interface chosen by the image's `runtime`. An implementation is pure: it says which objects the
// session needs, what the observed objects mean, and which objects go when the session stops. The
// workload step applies and deletes them; the reconciler never names a runtime.
import type { ResourceType, KubeObject } from '../../../runtime/resources.ts';
import type { SessionReason } from '../../../crds/index.ts';
import type { DataVolumes } from '../data-volumes.ts';
import type { SessionCredentials } from '../credentials.ts';
import type { BuildInput, Result } from '../types.ts';

/** One of the session's objects with its kind: as it should be (desired) or as observed. */
export interface Child {
  type: ResourceType;
  object: KubeObject;
}

/** A kind of object a runtime creates, and how the workload step treats it. */
export interface ChildKind {
  type: ResourceType;
  /** Its spec cannot be changed in place (pods): a change deletes it, the next pass creates it. */
  immutable?: boolean;
  /** Created only once the proposal data is attached (a pod with an unbound claim waits ~25 s). */
  needsData?: boolean;
  /**
   * Shared by the sessions of the namespace (a policy per image): owned by no session, never removed
   * when one stops, and watched by IMAGE_LABEL instead of the session label.
   */
  shared?: boolean;
}

/** What the workload is doing, in plain words, whatever runs it. */
export type WorkloadDiagnosis =
  | { state: 'Absent' }
  /**
   * Coming up (scheduling, pulling, booting) or going away (reason `Stopping`). `recheckAt`: the
   * diagnosis changes then even if nothing else does (a grace period ends): requeue at that time.
   */
  | { state: 'Pending'; reason: SessionReason; message: string; recheckAt?: Date }
  /** No node can take it; `shortResources` names what no node has enough of. */
  | { state: 'Unschedulable'; reason: 'Unschedulable'; message: string; shortResources: string[] }
  | {
      state: 'Running';
      ready: boolean;
      /** Where the session's access port listens (a pod IP, a VM's address). */
      address?: string;
      /**
       * The account a remote-desktop client logs in as, when the workload made one (a VM's guest
       * user); absent: the session owner's name.
       */
      login?: string;
      nodeName?: string;
      startedAt?: Date;
      message: string;
    }
  /**
   * Fail fast: waiting will not help (image cannot be pulled, crash loop, process exited, ...).
   * `disrupted`: the cluster ended the workload (its node was lost, a drain): restart it instead.
   */
  | { state: 'Failed'; reason: SessionReason; message: string; disrupted?: string };

/** Everything a runtime builds from: the session's inputs, its data volumes and its credentials. */
export interface WorkloadInput extends BuildInput {
  data: DataVolumes;
  credentials: SessionCredentials;
}

/**
 * Looks up one of the session's observed children by kind. Names are deterministic: the session's
 * child name, or with `suffix` the child name and `-<suffix>` (a second child of a kind, e.g. a VM's
 * bootstrap Secret beside the credentials).
 */
export type ObservedChild = (type: ResourceType, suffix?: string) => KubeObject | undefined;

export interface DiagnosisSettings {
  /** How long a workload may fail to pull its image before the session fails. */
  imagePullGraceMs: number;
  /** Whether a node exists (absent: not known yet), to tell a workload lost with its node. */
  nodeExists?: (name: string) => boolean;
}

export interface WorkloadRuntime {
  /** The SessionImage `spec.runtime` this implementation runs. */
  readonly runtime: string;
  /** The kinds it creates, in the order they are applied (the operator watches them as owned). */
  readonly children: readonly ChildKind[];
  /** The desired objects, or a refusal that names the field and the rule. Pure. */
  desired(input: WorkloadInput): Result<Child[]>;
  /** What the observed children say. Pure. */
  diagnose(observed: ObservedChild, now: Date, settings: DiagnosisSettings): WorkloadDiagnosis;
  /** Which observed children to delete when the workload must not run. Pure. */
  cleanup(observed: ObservedChild): Child[];
  /**
   * Optional: when the session may run again (stopped, or failed and kept for a retry), the objects
   * to write instead of deleting them, e.g. a virtual machine halted in place with its disk. Pure.
   * A kind it returns is not deleted by cleanup.
   */
  halt?(observed: ObservedChild): Child[];
}
