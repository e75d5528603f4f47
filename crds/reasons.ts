// Every reason an AnalysisSession can show, in status.reason or in a condition's reason: what it
// means in plain words, on which condition it appears and with which phase. The operator types its
// reasons with SessionReason, and docs/api.md renders this table, so the two cannot disagree.
import type { SessionConditionType } from './conditions.ts';
import type { SessionPhase } from './schema/analysis-session.ts';

export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** Where a reason appears: on a condition, with the status it has there, or in status.reason only. */
export type ReasonPlace =
  | {
      /**
       * The condition ('ordered': every ordered condition). A condition's reason is also
       * status.reason while that condition is the first ordered one that is not True.
       */
      condition: SessionConditionType | 'ordered';
      status: ConditionStatus;
    }
  | { condition: 'status' };

export type ReasonDoc = ReasonPlace & {
  /** The phase the session shows while this reason is the one that counts; 'any' when it does not decide the phase. */
  phase: SessionPhase | readonly SessionPhase[] | 'any';
  /** In plain words, for admins and scientists: what happened and what to do. */
  meaning: string;
};

const refused = (meaning: string) =>
  ({ phase: 'Failed', condition: 'Accepted', status: 'False', meaning }) as const satisfies ReasonDoc;
const dataRefused = (meaning: string) =>
  ({ phase: 'Failed', condition: 'DataReady', status: 'False', meaning }) as const satisfies ReasonDoc;
const starting = (meaning: string) =>
  ({ phase: 'Provisioning', condition: 'Ready', status: 'False', meaning }) as const satisfies ReasonDoc;
const podFailed = (meaning: string) =>
  ({ phase: 'Failed', condition: 'Ready', status: 'False', meaning }) as const satisfies ReasonDoc;
function passed<C extends SessionConditionType>(
  condition: C,
  meaning: string,
): { phase: 'any'; condition: C; status: 'True'; meaning: string } {
  return { phase: 'any', condition, status: 'True', meaning };
}

const FIX_AND_RETRY = 'Change the session (or stop and start it) to try again.';

export const SESSION_REASONS = {
  // --- Accepted ---
  Accepted: passed(
    'Accepted',
    "The image exists, the namespace is the proposal's, and the request is within the image's limits.",
  ),
  ImageNotFound: {
    phase: 'Pending',
    condition: 'Accepted',
    status: 'False',
    meaning:
      'The SessionImage named in `spec.image` does not exist (yet). The session starts by itself once an admin creates it; otherwise pick an image from the catalogue. A session that was running when its image was deleted keeps running on the settings it started with (its status says so), and cannot start again once stopped.',
  },
  NotAProposalNamespace: refused(
    'The session is in a namespace without the `daas.calipsoplus.eu/proposal` label: sessions run only in proposal namespaces. Create it in the namespace of its proposal.',
  ),
  ProposalMismatch: refused(
    "`spec.proposal` differs from the namespace's proposal label. Create the session in the namespace of its proposal.",
  ),
  ImageNotAllowed: refused(
    "The image is not available to the session's proposal or beamline (`spec.availability` of the image). Pick another image, or ask an admin.",
  ),
  RuntimeNotSupported: refused(
    'The image is a virtual machine, and this operator runs container sessions only (virtual machines need KubeVirt and the operator flag `--virtual-machines`).',
  ),
  ImageDisabled: refused(
    'The image is retired (`spec.disabled`): it takes no new sessions; sessions that already started keep running. Pick another image.',
  ),
  ResourcesExceedImageMaximum: refused(
    'The session asks for more cpu, memory, disk or GPUs than the image allows (or for GPUs from an image without any). Ask for less, or pick a larger image; the message names the limit.',
  ),
  InvalidResources: refused(
    'A requested amount is not a positive quantity, or is more than any session may have. The message names the field.',
  ),
  ImageMisconfigured: refused(
    "The image's own defaults are invalid or above its maxima: an admin must fix the SessionImage.",
  ),
  // --- QuotaAdmitted ---
  QuotaAdmitted: passed(
    'QuotaAdmitted',
    'The session fits every Quota that applies to it (its user quota, its groups and its proposal) and holds its share until it stops.',
  ),
  QuotaExceeded: {
    phase: 'Queued',
    condition: 'QuotaAdmitted',
    status: 'False',
    meaning:
      'Starting the session would exceed a Quota that applies to it; the message names the quota, what is used and what is asked. It waits, and starts by itself (oldest first) as soon as other sessions stop; no pod is created meanwhile.',
  },
  ResizeExceedsQuota: {
    phase: 'Running',
    condition: 'QuotaAdmitted',
    status: 'True',
    meaning:
      'The session runs within its Quotas, but its latest change of resources would exceed one; the message names the quota, what would be used and what is asked. It keeps running with the resources it has (its pod is not restarted), and the resize applies by itself once there is room.',
  },
  // --- DataReady ---
  Attached: passed('DataReady', "The proposal's data volumes are bound and ready to mount."),
  AttachingData: {
    phase: 'Pending',
    condition: 'DataReady',
    status: 'False',
    meaning: "The operator is preparing access to the proposal's data (its volumes are being bound).",
  },
  DataRefused: {
    phase: 'Pending',
    condition: 'DataReady',
    status: 'False',
    meaning:
      "The API server refused one of the session's data volumes or claims (a ResourceQuota, a LimitRange, an admission policy or webhook); the message names the object and the API server's words. The operator tries again every few seconds, so the session goes on by itself once the cause is lifted.",
  },
  DataNotConfigured: dataRefused(
    "The operator's data path templates cannot be filled for this proposal, e.g. the namespace lacks the beamline or data-root annotation. An admin must fix the namespace or the operator configuration.",
  ),
  InvalidDataPath: dataRefused(
    "An experiment session, sub-path, mount name or the namespace's data root would leave the proposal's data, or is not a valid path. The message names the field.",
  ),
  DataMountConflict: dataRefused(
    'Two mounts have the same name, or a mount is named `raw`, `processed` or `home` while that area is mounted. Rename the mount.',
  ),
  RootNotAllowed: dataRefused(
    "The session would run as uid or gid 0: sessions never run as root. An admin must fix the namespace's uid/gid annotations, the image's `runAsUser` or the operator's defaults.",
  ),
  InvalidIdentity: dataRefused(
    "The uid or gid the session would run as is not a number between 1 and 2147483647. An admin must fix the namespace's annotations, the image or the operator's defaults.",
  ),
  ImageNotContainer: dataRefused(
    'The image has no container section, so there is nothing to run. An admin must fix the SessionImage.',
  ),
  InvalidMachineName: dataRefused(
    "The session's machine name is not a DNS label (an operator fault; please report it).",
  ),
  // --- Scheduled ---
  Scheduled: passed('Scheduled', 'The session was placed on a node.'),
  Creating: {
    phase: 'Pending',
    condition: 'Scheduled',
    status: 'False',
    meaning: "The operator is creating the session's pod.",
  },
  WorkloadRefused: {
    phase: 'Pending',
    condition: 'Scheduled',
    status: 'False',
    meaning:
      "The API server refused one of the session's objects (its pod, Secret or NetworkPolicy: a ResourceQuota, a LimitRange, an admission policy or webhook, a PriorityClass that does not exist); the message names the object and the API server's words. The operator tries again every few seconds, so the session starts by itself once the cause is lifted.",
  },
  Scheduling: {
    phase: 'Pending',
    condition: 'Scheduled',
    status: 'False',
    meaning: 'The scheduler is looking for a node to run the session.',
  },
  Unschedulable: {
    phase: 'Queued',
    condition: 'Scheduled',
    status: 'False',
    meaning:
      "No node has the requested cpu, memory or GPUs free (or none matches the image's node selector). The session waits and starts when capacity frees up; the message names what is short and what the largest suitable node offers.",
  },
  // --- Ready ---
  Ready: passed('Ready', 'The environment is up.'),
  Starting: starting(
    "The session's container runs but is not ready yet, or the kubelet reports another waiting state (its own words are in the message).",
  ),
  Stopping: starting("The session's previous pod is being removed; a new one follows."),
  SchedulingGated: starting('The pod is held back from scheduling by a scheduling gate.'),
  NodeUnreachable: starting(
    'The node running the session does not respond; Kubernetes decides whether to move it.',
  ),
  ErrImagePull: starting(
    'The image could not be pulled yet; the node retries until the grace period (`--image-pull-grace`) ends, then the session fails with `ImagePullFailed`.',
  ),
  ImagePullBackOff: starting(
    'The node waits before pulling the image again; the session fails with `ImagePullFailed` if the grace period (`--image-pull-grace`) ends first.',
  ),
  ContainerCreating: starting('The node is pulling the image and creating the container.'),
  PodInitializing: starting("The session's init containers are preparing it."),
  ImagePullFailed: podFailed(
    `The image could not be pulled within the grace period: check the image name and that its registry is reachable. The pod is removed. ${FIX_AND_RETRY}`,
  ),
  InvalidImageName: podFailed(
    'The image reference of the SessionImage is not valid. An admin must fix the image; the pod is removed.',
  ),
  ErrImageNeverPull: podFailed(
    "The image is not on the node and the image's pull policy is Never. An admin must fix the image or the node; the pod is removed.",
  ),
  CreateContainerConfigError: podFailed(
    `The container could not be configured (a missing Secret or ConfigMap, an invalid user). The pod is removed. ${FIX_AND_RETRY}`,
  ),
  CreateContainerError: podFailed(
    `The container runtime could not create the container. The pod is removed. ${FIX_AND_RETRY}`,
  ),
  CrashLoop: podFailed(
    `The session's process keeps stopping right after it starts (the message says how, e.g. out of memory). The pod is removed. ${FIX_AND_RETRY}`,
  ),
  SessionExited: podFailed(`The session's process ended by itself, so the session ended. ${FIX_AND_RETRY}`),
  Evicted: podFailed(`The node ran short of resources and evicted the session. ${FIX_AND_RETRY}`),
  DeadlineExceeded: podFailed(`The pod reached its active deadline and was stopped. ${FIX_AND_RETRY}`),
  PodFailed: podFailed(
    `The session's pod failed for another reason (Kubernetes' own words are in the message). ${FIX_AND_RETRY}`,
  ),
  // --- Ready, virtual machines ---
  ImportingDisk: starting(
    "The virtual machine's boot disk is being imported or cloned from the image's golden disk.",
  ),
  Booting: starting('The virtual machine is placed on a node and its guest operating system is booting.'),
  DiskImportFailed: podFailed(
    `The virtual machine's boot disk could not be imported or cloned (the message names the disk and why). An admin must fix the image's disk; the virtual machine is removed. ${FIX_AND_RETRY}`,
  ),
  GuestNotBooting: podFailed(
    `The virtual machine started but its guest did not become ready in time (\`--vm-boot-timeout\`): the disk may not be bootable or the guest hangs at boot. The virtual machine is stopped. ${FIX_AND_RETRY}`,
  ),
  // --- AccessReady ---
  EndpointReady: {
    phase: 'Running',
    condition: 'AccessReady',
    status: 'True',
    meaning: '`status.endpoint` says where and how to connect.',
  },
  GuacamoleUnavailable: {
    phase: 'Provisioning',
    condition: 'AccessReady',
    status: 'False',
    meaning:
      "The session runs, but the operator cannot register its connection with Apache Guacamole (Guacamole does not answer, refuses the operator's credentials, or refuses the request; the message says which). The operator retries with back-off, and the session becomes Running once Guacamole answers.",
  },
  // --- every ordered condition ---
  Waiting: {
    phase: 'any',
    condition: 'ordered',
    status: 'Unknown',
    meaning:
      'An earlier condition is not True yet (the message names it), or the condition was not evaluated yet.',
  },
  // --- ExpiringSoon ---
  ExpiringSoon: {
    phase: 'any',
    condition: 'ExpiringSoon',
    status: 'True',
    meaning:
      "The session expires soon (`status.expiresAt`); raise `spec.lifetime`, up to the image's maximum, to keep it.",
  },
  NotYet: {
    phase: 'any',
    condition: 'ExpiringSoon',
    status: 'False',
    meaning: 'The session is not close to its expiry.',
  },
  Expired: {
    phase: 'Expired',
    condition: 'ExpiringSoon',
    status: 'False',
    meaning: 'The session has expired (see `LifetimeExpired`).',
  },
  // --- status.reason only ---
  Running: {
    phase: 'Running',
    condition: 'status',
    meaning: 'Every ordered condition is True: the session runs.',
  },
  StoppedByUser: {
    phase: ['Stopping', 'Stopped'],
    condition: 'status',
    meaning: '`spec.state` is Stopped. Set it to Running to resume; files in the data areas are kept.',
  },
  IdleTimeout: {
    phase: ['Stopping', 'Stopped'],
    condition: 'status',
    meaning:
      'The session showed no activity for its idle timeout, so the operator set `spec.state` to Stopped. Set it to Running to resume.',
  },
  LifetimeExpired: {
    phase: 'Expired',
    condition: 'status',
    meaning:
      "The session reached its lifetime and was stopped; it is kept as history for `--session-history-ttl`. Raise `spec.lifetime` (up to the image's maximum) to bring it back.",
  },
  Failed: {
    phase: 'Failed',
    condition: 'status',
    meaning: 'The session cannot run, and no more specific reason was recorded; the message says why.',
  },
} as const satisfies Record<string, ReasonDoc>;

export type SessionReason = keyof typeof SESSION_REASONS;

/** The reasons of conditions a session reports on a given condition type. */
export type SessionReasonOn<C extends SessionConditionType> = {
  [R in SessionReason]: (typeof SESSION_REASONS)[R]['condition'] extends C | 'ordered' ? R : never;
}[SessionReason];

export function isSessionReason(value: string): value is SessionReason {
  return Object.hasOwn(SESSION_REASONS, value);
}

export interface QuotaReasonDoc {
  /** The object and condition it will show on, e.g. "`QuotaAdmitted=False`" or "the Quota's `Conflict=True`". */
  condition: string;
  phase?: SessionPhase;
  meaning: string;
}

/** Reasons of Quota conditions (operator/quotas/conflict.ts), not part of SessionReason. */
export const QUOTA_REASONS = {
  DuplicateSubject: {
    condition: "the Quota's `Conflict=True`",
    meaning:
      'Another Quota has the same subject (the same user, group or proposal, or both are EachUser); the message names it. Both apply to the same sessions, so for every limit the stricter one holds. Keep one Quota per subject.',
  },
  UniqueSubject: {
    condition: "the Quota's `Conflict=False`",
    meaning: 'No other Quota has this subject.',
  },
} as const satisfies Record<string, QuotaReasonDoc>;

export type QuotaReason = keyof typeof QUOTA_REASONS;

export function isQuotaReason(value: string): value is QuotaReason {
  return Object.hasOwn(QUOTA_REASONS, value);
}

/**
 * Reasons of the Events the operator records on a session, besides phase changes (`Phase<phase>`,
 * e.g. `PhaseRunning`) and the session reasons of failures (e.g. `ImagePullFailed`).
 */
export const EVENT_REASONS = {
  Recreated:
    'A child was created again: a change to resources, image or data, or a pod deleted by hand (Normal).',
  IdleStopped: 'The idle culler stopped the session (Normal).',
  Restarted:
    'The cluster ended the session pod (its node was lost, a drain or a preemption), not the session itself: the pod was created again with the same credentials and data (Normal).',
  Restored:
    'A child changed or deleted out of band (a hand edit, a pruning tool) was restored to what the operator wants (Normal).',
  CredentialsRestored:
    "The session's Secret was deleted or changed; the operator restored the credentials the running session uses (Normal).",
  CredentialsRenewed:
    'The credentials the running session uses could not be restored, so it was restarted with new ones (Warning).',
  ReplacementRefused:
    'A change needs a new pod, but the API server or the catalogue refused it; the running pod is kept, and the message says why (Warning).',
  GuacamoleConnectionRestored:
    "The session's Apache Guacamole connection was deleted or edited in Guacamole, and the operator restored it (Normal).",
  GuacamoleConnectionLeft:
    'The session was deleted while Apache Guacamole stayed unreachable for --guacamole-release-timeout: the operator let the session go and left its connection in Guacamole; the message names it, for an admin to delete (Warning).',
} as const satisfies Record<string, string>;

export type EventReason = keyof typeof EVENT_REASONS | `Phase${string}` | SessionReason;

export function isEventReason(value: string): value is EventReason {
  return Object.hasOwn(EVENT_REASONS, value) || /^Phase[A-Z][a-z]+$/.test(value) || isSessionReason(value);
}

/** "Failed", "Stopping or Stopped", "any". */
export function phaseText(phase: ReasonDoc['phase']): string {
  return typeof phase === 'string' ? phase : phase.join(' or ');
}

/** Where a reason appears, for docs: "`Accepted=False`", "`status.reason` only". */
export function conditionText(place: ReasonPlace): string {
  if (place.condition === 'status') return '`status.reason` only';
  if (place.condition === 'ordered') return `every ordered condition, \`${place.status}\``;
  return `\`${place.condition}=${place.status}\``;
}

/** The reasons table of docs/api.md. */
export function reasonsTable(): string {
  const sessionRows = Object.entries(SESSION_REASONS).map(
    ([reason, doc]: [string, ReasonDoc]) =>
      `| \`${reason}\` | ${conditionText(doc)} | ${phaseText(doc.phase)} | ${doc.meaning} |`,
  );
  const quotaRows = Object.entries(QUOTA_REASONS).map(
    ([reason, doc]: [string, QuotaReasonDoc]) =>
      `| \`${reason}\` | ${doc.condition} (planned) | ${doc.phase ?? ''} | ${doc.meaning} Not reported yet. |`,
  );
  const eventRows = Object.entries(EVENT_REASONS).map(
    ([reason, meaning]) => `| \`${reason}\` | ${meaning} |`,
  );
  return [
    '| Reason | Condition | Phase | Meaning |',
    '| --- | --- | --- | --- |',
    ...sessionRows,
    ...quotaRows,
    '',
    'Events on a session use the reasons above for failures, `Phase<phase>` for the phase changes a user',
    'cares about (`PhaseQueued`, `PhaseRunning`, `PhaseStopped`, `PhaseExpired`, `PhaseFailed`), and:',
    '',
    '| Event reason | Meaning |',
    '| --- | --- |',
    ...eventRows,
  ].join('\n');
}
