// The inputs and outputs of the pure session builders: everything a builder needs is passed in, so
// builders never read the cluster and are tested as plain functions.
import type { SessionEgress } from './workloads/container/egress.ts';
import type { AnalysisSession, SessionImage, SessionReason } from '../../crds/index.ts';

/** The proposal namespace, as the operator read it (label and annotations). */
export interface ProposalNamespace {
  name: string;
  proposal: string;
  title?: string;
  beamline?: string;
  /** The proposal's data root as the facility's annotation gives it (used only through config templates). */
  dataRoot?: string;
  /** Numeric uid/gid for the proposal's files (annotations), when the facility maps them. */
  uid?: number;
  gid?: number;
}

/** Where experiment data lives on NFS: operator configuration, never user input. */
export interface DataConfig {
  /** NFS server host name. */
  nfsServer: string;
  /** Path template of a proposal's raw data, e.g. "/data/{beamline}/{proposal}". */
  proposalPath: string;
  /** Path template of an experiment session below it, e.g. "{proposalPath}/{experimentSession}". */
  experimentPath: string;
  /** Read-write area for processed results, e.g. "/processed/{proposal}"; omitted: none. */
  processedPath?: string;
  /** Per-user home, e.g. "/home/{owner}"; omitted: none. */
  homePath?: string;
  /** Where data appears inside the session (raw under <mountRoot>/raw, processed under <mountRoot>/processed). */
  mountRoot: string;
  /**
   * How pods get the NFS data. persistentVolumeClaim (the default): a pre-bound PersistentVolume and
   * claim per area, which the Pod Security "restricted" profile allows. nfs: inline NFS volumes,
   * which "restricted" forbids (only for baseline namespaces).
   */
  volumeSource?: 'persistentVolumeClaim' | 'nfs';
  /** NFS mount options for the PersistentVolumes, e.g. ["nfsvers=4.1", "hard"]. */
  mountOptions?: string[];
}

export interface SessionsConfig {
  data: DataConfig;
  /** Pods that may connect to sessions (the gateway/dashboard): the NetworkPolicy admits only these. */
  gateway: { namespace: string; podLabels: Record<string, string> };
  /**
   * The operator's own pods, admitted on the access port of images with the jupyter activity signal
   * so the idle probe (/api/status by pod IP) is not blocked by the NetworkPolicy. Omitted: not admitted.
   */
  activityProbe?: { namespace: string; podLabels: Record<string, string> };
  /** What sessions may reach (the egress rules of the NetworkPolicy, workloads/container/egress.ts). */
  egress: SessionEgress;
  /** uid/gid when neither the proposal nor the image give one (never 0). */
  defaultUid: number;
  defaultGid: number;
}

/** Everything the session controller is configured with (from the operator's flags). */
export interface SessionControllerConfig extends SessionsConfig {
  /** How long an Expired session is kept as history before it is deleted. */
  historyTtlMs: number;
  /** How long a pod may fail to pull its image before the session fails. */
  imagePullGraceMs: number;
}

/** Resources after defaults from the image, checked against its maxima. Quantities as Kubernetes strings. */
export interface EffectiveResources {
  cpu: string;
  memory: string;
  disk?: string;
  gpus: number;
  gpuResourceName: string;
}

export interface BuildInput {
  session: AnalysisSession;
  image: SessionImage;
  namespace: ProposalNamespace;
  machineName: string;
  resources: EffectiveResources;
  config: SessionsConfig;
}

/** A refusal that names the field and the rule, shown to the user as the status message. */
export interface BuildError {
  reason: SessionReason;
  field: string;
  message: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: BuildError };

/** The one way builders refuse: the reason for status, the field at fault, the rule in plain words. */
export function refuse(
  reason: SessionReason,
  field: string,
  message: string,
): { ok: false; error: BuildError } {
  return { ok: false, error: { reason, field, message } };
}
