// Every label and annotation key of the API, on proposal namespaces (written by admins or the
// facility's user office) and on the objects the operator creates for a session. The operator, the
// dashboard and the docs import them from here.
import { GROUP } from './group.ts';

/** Proposal namespaces carry this label; its value is the proposal id. Session children carry it too. */
export const PROPOSAL_LABEL = `${GROUP}/proposal`;

/** Annotations of a proposal namespace. */
export const PROPOSAL_ANNOTATIONS = {
  title: `${GROUP}/title`,
  beamline: `${GROUP}/beamline`,
  /** Fills `{dataRoot}` in the operator's data path templates. */
  dataRoot: `${GROUP}/data-root`,
  /** The proposal's abstract, shown in the dashboard. */
  abstract: `${GROUP}/abstract`,
  /** The proposal's experiment sessions (beamtimes), comma-separated, offered as data to mount. */
  experimentSessions: `${GROUP}/experiment-sessions`,
  /** Numeric owner of the proposal's files: the uid and gid sessions run as. */
  uid: `${GROUP}/uid`,
  gid: `${GROUP}/gid`,
} as const;

// On the objects the operator creates for a session (Pod, Service, Secret, NetworkPolicy, volumes).
/** The session's name (as a label value; selects the session's pod). */
export const SESSION_LABEL = `${GROUP}/session`;
export const OWNER_LABEL = `${GROUP}/owner`;
export const IMAGE_LABEL = `${GROUP}/image`;
/** On PersistentVolumes (cluster-scoped): the namespace whose claim they are bound to. */
export const SESSION_NAMESPACE_LABEL = `${GROUP}/session-namespace`;
/**
 * On a proposal's data volumes and claims (value `proposal`): shared by the sessions of the proposal
 * namespace, owned by none; the claims go with the namespace, the volumes are deleted after it.
 */
export const DATA_LABEL = `${GROUP}/data`;
/**
 * On the RoleBindings the operator keeps in each proposal namespace (value: `operator` or
 * `dashboard`): the component they grant its namespaced rights there, Secrets above all.
 */
export const ACCESS_LABEL = `${GROUP}/access`;
/** Annotations keep the exact values that labels may have had to shorten or sanitize. */
export const OWNER_ANNOTATION = `${GROUP}/owner`;
export const SESSION_ANNOTATION = `${GROUP}/session`;
/** A hash of what the operator last applied to a child, so an unchanged child is not written again. */
export const APPLIED_HASH_ANNOTATION = `${GROUP}/applied-hash`;

/**
 * On a session's pod: a fingerprint (SHA-256) of the credentials it started with, so the operator
 * knows whether the Secret it restores is the one the running workload uses.
 */
export const CREDENTIALS_FINGERPRINT_ANNOTATION = `${GROUP}/credentials-fingerprint`;
/** On a session's pod: the image name and settings it started with (JSON), kept until it stops. */
export const IMAGE_SETTINGS_ANNOTATION = `${GROUP}/image-settings`;
/** On the Secret of a proposal namespace that holds the key the session credentials derive from. */
export const CREDENTIALS_KEY_LABEL = `${GROUP}/credentials-key`;

/** On a session the idle culler stopped: the generation it set `spec.state: Stopped` in. */
/** The groups of the user who created a session, stamped at admission (never written by users). */
export const GROUPS_ANNOTATION = `${GROUP}/groups`;
export const IDLE_STOP_ANNOTATION = `${GROUP}/idle-stopped-generation`;

/**
 * On nodes (by admins): the node pool (a partition, in batch-system words) the node belongs to; the
 * dashboard's GPU "Current status" table groups nodes by it.
 */
export const NODE_POOL_LABEL = `${GROUP}/node-pool`;

// On warm pool VirtualMachines (operator/pools/, ADR 0024), in the pool namespace.
/** The SessionImage a pool VM was booted for (as a label value); its VMI and launcher pod carry it too. */
export const POOL_LABEL = `${GROUP}/pool`;
/** On a claimed pool VM: the UID of the session that claimed it. Never removed: a claimed VM never returns. */
export const CLAIMED_BY_LABEL = `${GROUP}/claimed-by`;
/** On a claimed pool VM: the claiming session's namespace/name. */
export const CLAIMED_SESSION_ANNOTATION = `${GROUP}/claimed-session`;
/** On a claimed pool VM: when it was claimed (RFC 3339); personalisation is timed from it. */
export const CLAIMED_AT_ANNOTATION = `${GROUP}/claimed-at`;
/** On a pool VM: the resources it was booted with (JSON), which a claiming session must ask for. */
export const POOL_RESOURCES_ANNOTATION = `${GROUP}/pool-resources`;
/** On a pool VM: a hash of the image settings it was built from; unclaimed VMs of older settings are replaced. */
export const POOL_SPEC_ANNOTATION = `${GROUP}/pool-spec`;

/** Kubernetes' recommended labels (https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/). */
export const APP_NAME_LABEL = 'app.kubernetes.io/name';
export const APP_INSTANCE_LABEL = 'app.kubernetes.io/instance';
export const APP_MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';

export interface KeyDoc {
  key: string;
  kind: 'label' | 'annotation';
  /** Which objects carry it, and who writes it. */
  on: string;
  meaning: string;
}

const children = "a session's Pod and Secret (by the operator)";
const namespaces = 'proposal namespaces (by admins)';
const label = (key: string, on: string, meaning: string): KeyDoc => ({ key, kind: 'label', on, meaning });
const annotation = (key: string, on: string, meaning: string): KeyDoc => ({
  key,
  kind: 'annotation',
  on,
  meaning,
});

/** Every key above, for the table in docs/api.md. */
export const KEY_DOCS: readonly KeyDoc[] = [
  label(
    PROPOSAL_LABEL,
    `${namespaces}; ${children}`,
    'The proposal id. Sessions run only in namespaces that have it.',
  ),
  annotation(PROPOSAL_ANNOTATIONS.title, namespaces, "The proposal's title."),
  label(
    NODE_POOL_LABEL,
    'nodes (by admins)',
    'The node pool (partition) the node belongs to: the dashboard groups its GPU status table by it.',
  ),
  annotation(
    PROPOSAL_ANNOTATIONS.beamline,
    namespaces,
    "The proposal's beamline: images may be offered per beamline; fills `{beamline}` in data paths.",
  ),
  annotation(
    PROPOSAL_ANNOTATIONS.dataRoot,
    namespaces,
    "Where the proposal's data lives; fills `{dataRoot}` in the operator's data path templates.",
  ),
  annotation(
    PROPOSAL_ANNOTATIONS.abstract,
    `${namespaces}, optional`,
    "The proposal's abstract (the dashboard shows it).",
  ),
  annotation(
    PROPOSAL_ANNOTATIONS.experimentSessions,
    `${namespaces}, optional`,
    'The experiment sessions (beamtimes) of the proposal, comma-separated, e.g. `2025-03-12,2025-06-02`: the dashboard offers them as data to mount.',
  ),
  annotation(
    PROPOSAL_ANNOTATIONS.uid,
    `${namespaces}, optional`,
    "Numeric uid owning the proposal's files; sessions run as it (never 0).",
  ),
  annotation(
    PROPOSAL_ANNOTATIONS.gid,
    `${namespaces}, optional`,
    "Numeric gid owning the proposal's files; sessions run with it (never 0).",
  ),
  label(SESSION_LABEL, children, "The session's name (with a hash when it is not a valid label value)."),
  label(OWNER_LABEL, children, "The session's owner (as a label value)."),
  label(
    IMAGE_LABEL,
    `${children}; an image's shared NetworkPolicy`,
    "The session's SessionImage (the NetworkPolicy of that image selects its pods by it).",
  ),
  label(
    SESSION_NAMESPACE_LABEL,
    "a proposal's data PersistentVolumes (cluster-scoped)",
    'The proposal namespace whose claim the volume is bound to; the volume is deleted after the namespace.',
  ),
  label(
    DATA_LABEL,
    "a proposal's data PersistentVolumes and claims",
    '`proposal`: shared by every session of the proposal namespace (each mounts its part with a subPath), owned by none.',
  ),
  annotation(SESSION_ANNOTATION, children, "The session's exact name."),
  annotation(OWNER_ANNOTATION, children, "The owner's exact user name."),
  annotation(
    APPLIED_HASH_ANNOTATION,
    children,
    'A hash of what the operator last applied, so an unchanged child is not written again.',
  ),
  annotation(
    CREDENTIALS_FINGERPRINT_ANNOTATION,
    "a session's Pod (by the operator)",
    'A SHA-256 fingerprint of the credentials the pod started with: the operator restores the same ones in the Secret, or restarts the pod with new ones (an Event says which).',
  ),
  annotation(
    IMAGE_SETTINGS_ANNOTATION,
    "a session's Pod (by the operator)",
    'The SessionImage name and settings the pod started with (JSON): a catalogue edit or deletion applies to the next start, not to the running pod.',
  ),
  label(
    CREDENTIALS_KEY_LABEL,
    'the Secret `daas-credentials-key` of a proposal namespace (by the operator)',
    "`true`: holds the key the namespace's session credentials derive from (HMAC of the session UID), so a deleted or edited session Secret is restored with the same values.",
  ),
  annotation(
    IDLE_STOP_ANNOTATION,
    'sessions (by the operator)',
    'The generation in which the idle culler set `spec.state: Stopped`; `status.reason` is `IdleTimeout` while it matches.',
  ),
  label(
    POOL_LABEL,
    'warm pool VirtualMachines, their instances and launcher pods (by the operator)',
    'The SessionImage the VM was booted for; the pool NetworkPolicy of the image selects its launcher pods by it.',
  ),
  label(
    CLAIMED_BY_LABEL,
    'claimed warm pool VirtualMachines (by the operator)',
    'The UID of the session that claimed the VM (a write guarded by resourceVersion: one session per VM). Never removed.',
  ),
  annotation(
    CLAIMED_SESSION_ANNOTATION,
    'claimed warm pool VirtualMachines (by the operator)',
    'The claiming session as namespace/name.',
  ),
  annotation(
    CLAIMED_AT_ANNOTATION,
    'claimed warm pool VirtualMachines (by the operator)',
    'When the VM was claimed; the guest must take the session credentials within the VM boot timeout.',
  ),
  annotation(
    POOL_RESOURCES_ANNOTATION,
    'warm pool VirtualMachines (by the operator)',
    'The cpu, memory, disk and GPUs the VM was booted with (JSON): only a session asking for exactly these claims it.',
  ),
  annotation(
    POOL_SPEC_ANNOTATION,
    'warm pool VirtualMachines (by the operator)',
    'A hash of the image settings the VM was built from: unclaimed VMs of older settings are replaced.',
  ),
  label(
    APP_NAME_LABEL,
    children,
    '`daas-session`. The operator and dashboard pods carry `daas-operator` and `daas-dashboard`.',
  ),
  label(APP_INSTANCE_LABEL, children, "The session's name (as a label value)."),
  label(APP_MANAGED_BY_LABEL, children, '`daas-operator`.'),
];

/** The labels and annotations table of docs/api.md. */
export function keysTable(): string {
  return [
    '| Key | Kind | On | Meaning |',
    '| --- | --- | --- | --- |',
    ...KEY_DOCS.map((k) => `| \`${k.key}\` | ${k.kind} | ${k.on} | ${k.meaning} |`),
  ].join('\n');
}

/**
 * On a session while the operator holds an Apache Guacamole connection for it: a deleted session
 * stays until the connection is removed (or a bounded wait, --guacamole-release-timeout, ends).
 */
export const GUACAMOLE_FINALIZER = `${GROUP}/guacamole-connection`;
