// AnalysisSession: one user's running environment in a proposal namespace. Users (or portals acting
// as them) write spec; only the operator writes status.
import { z } from 'zod';
import { sessionConditionsDescription } from '../conditions.ts';
import { doc, immutable } from './kube-meta.ts';
import { resourceAmounts } from './resources.ts';
import {
  DNS_LABEL,
  conditionsField,
  durationField,
  imageNameField,
  isDuration,
  matchesRule,
  optionalText,
  patterned,
  proposalIdField,
  subPathField,
  timestampField,
  userNameField,
} from './primitives.ts';

/** One path segment chosen by the user: no slash, and it cannot be `.` or `..`. */
const EXPERIMENT_SESSION = '^[A-Za-z0-9][A-Za-z0-9._-]*$';
const experimentSessionMessage =
  'must be an experiment session id: letters, digits, . _ and -, starting with a letter or digit (no slashes)';
const mountNameMessage = 'must be a DNS label: lower-case letters, digits and -, at most 63 characters';

/** Where the operator mounts the whole proposal, its processed area and the owner's home. */
export const RESERVED_MOUNT_NAMES = ['raw', 'processed', 'home'] as const;
const [raw, processed, home] = RESERVED_MOUNT_NAMES;
const reservedMountMessage = `must not be ${raw}, ${processed} or ${home}: those names are reserved for the data areas the operator mounts`;

export const dataMount = doc(
  z.object({
    name: doc(
      patterned(63, DNS_LABEL, mountNameMessage).refine(
        (name) => !(RESERVED_MOUNT_NAMES as readonly string[]).includes(name),
        reservedMountMessage,
      ),
      `Names the mount; the data appears under <data directory>/<name> in the session. Not ${raw}, ${processed} or ${home}: those are the whole proposal, its processed area and the owner's home.`,
      {
        validations: [
          matchesRule(DNS_LABEL, mountNameMessage),
          {
            rule: `!(self in [${RESERVED_MOUNT_NAMES.map((n) => `'${n}'`).join(', ')}])`,
            message: reservedMountMessage,
          },
        ],
      },
    ),
    experimentSession: doc(
      patterned(63, EXPERIMENT_SESSION, experimentSessionMessage).optional(),
      'An experiment session (beamtime) of the proposal, e.g. "2025-03-12". The operator maps it to a path.',
      { validations: [matchesRule(EXPERIMENT_SESSION, experimentSessionMessage)] },
    ),
    subPath: subPathField(
      'A path below the experiment session (or below the proposal root when no experiment session is given).',
    ).optional(),
    // No server-side default inside a list item: defaults there make every client-side
    // `kubectl apply` and Argo CD diff report a change. Unset means read-only.
    readOnly: doc(
      z.boolean().optional(),
      'Mount read-only; unset means true. Set false only for output directories: raw data stays read-only.',
    ),
  }),
  'A part of the proposal data to mount.',
  {
    validations: [
      {
        rule: 'has(self.experimentSession) || has(self.subPath)',
        message: 'set experimentSession, subPath or both',
      },
    ],
  },
);

export const dataSpec = doc(
  z.object({
    mounts: doc(z.array(dataMount).max(16).optional(), 'Parts of the proposal data to mount.', {
      listType: 'map',
      listMapKeys: ['name'],
    }),
    wholeProposal: doc(
      z.boolean().default(false),
      'Mount the whole proposal data root read-only, in addition to any mounts.',
    ),
  }),
  "Which experiment data of the proposal to mount. Paths come from the operator's configuration, never from users: only sub-paths below the proposal's data root can be chosen here.",
);

export const sessionSpec = doc(
  z.object({
    image: imageNameField('The SessionImage (catalogue entry) to run.'),
    owner: userNameField('The user the session belongs to (a Kubernetes user name). Immutable.', [
      immutable('owner', 'create a new session for another user'),
    ]),
    proposal: proposalIdField(
      "The proposal whose data the session works on; must equal the namespace's daas.calipsoplus.eu/proposal label. Immutable.",
      [immutable('proposal', 'create a new session in the other proposal')],
    ),
    displayName: optionalText(63, 'A label the owner gives the session, e.g. "ptycho recon run 3".'),
    state: doc(
      z.enum(['Running', 'Stopped']).default('Running'),
      'Desired state: Stopped releases compute but keeps the session; Running starts or resumes it.',
    ),
    resources: resourceAmounts(
      "Resources for this session; unset ones come from the image's defaults. Must stay within the image's maxima.",
    ).optional(),
    lifetime: durationField(
      "How long the session may run from its start; extend it by raising this value, up to the image's maxLifetime. Defaults to the image's defaultLifetime.",
      '10s',
      '720h',
    ).optional(),
    idleTimeout: durationField(
      "Stop the session after this long without activity. Defaults to the image's idleTimeout.",
      '10s',
      '720h',
    ).optional(),
    data: dataSpec.optional(),
    sharedWith: doc(
      z.array(userNameField('A user name.')).max(20).optional(),
      'Other users who may connect to the session (for example a local contact helping with analysis).',
      { listType: 'set' },
    ),
  }),
  'What the user asks for.',
  {
    validations: [
      {
        rule: '!has(self.sharedWith) || !(self.owner in self.sharedWith)',
        message: 'sharedWith must not include the owner',
        fieldPath: '.sharedWith',
      },
      {
        rule: `!has(self.idleTimeout) || !has(self.lifetime) || !${isDuration('self.idleTimeout')} || !${isDuration('self.lifetime')} || duration(self.idleTimeout) <= duration(self.lifetime)`,
        message: 'idleTimeout must not exceed lifetime',
        fieldPath: '.idleTimeout',
      },
    ],
  },
);

export const SESSION_PHASES = [
  'Pending',
  'Queued',
  'Provisioning',
  'Running',
  'Stopping',
  'Stopped',
  'Expired',
  'Failed',
] as const;

export const endpointStatus = doc(
  z.object({
    protocol: doc(z.enum(['http', 'vnc', 'rdp', 'ssh']), 'How to connect.'),
    url: optionalText(
      2048,
      "The URL to open: with the operator's --gateway-url, the session's page on the gateway (http and vnc; a ticket lets the user in); otherwise, for http, the pod's own per-session URL (the token is in the credentials Secret).",
    ),
    host: optionalText(253, 'Host (pod IP or service name) the gateway connects to.'),
    port: doc(z.int().min(1).max(65535).optional(), 'Port the gateway connects to.'),
    credentialsSecretName: optionalText(
      253,
      'The Secret in this namespace holding the credentials (VNC password, Jupyter token). Status never holds secrets.',
    ),
    guacamoleConnectionId: optionalText(64, 'The Apache Guacamole connection, when one is registered.'),
  }),
  'Where and how to connect.',
);

export const guacamoleStatus = doc(
  z.object({
    connectionId: optionalText(64, "The connection's identifier in Guacamole."),
    dataSource: optionalText(64, 'The Guacamole data source that holds it, e.g. postgresql.'),
    users: doc(
      z
        .array(doc(z.string().max(253), 'A user name.'))
        .max(32)
        .optional(),
      'The users the operator gave READ on the connection (the owner and sharedWith), so that a user removed from sharedWith loses it.',
    ),
  }),
  'The Apache Guacamole connection the operator registered for the session (--guacamole-url), kept until the connection is removed; the finalizer daas.calipsoplus.eu/guacamole-connection holds a deleted session until then.',
);

export const sessionStatus = doc(
  z.object({
    observedGeneration: doc(z.int().min(0).optional(), 'The generation the operator last acted on.'),
    phase: doc(z.enum(SESSION_PHASES).optional(), 'Where the session is in its life.'),
    reason: optionalText(
      128,
      'CamelCase reason for the phase, e.g. Unschedulable or ImagePullFailed (the API reference lists every reason).',
    ),
    message: optionalText(4096, 'In plain words, why the session is in this phase or not ready.'),
    machineName: optionalText(
      63,
      'A friendly DNS-safe name for the machine, e.g. zealous-hermann, used in URLs and the dashboard.',
    ),
    conditions: conditionsField(sessionConditionsDescription()),
    startedAt: timestampField('When the session first became Running.'),
    expiresAt: timestampField('When the session will be stopped: start plus lifetime.'),
    expiryWarningAt: timestampField('When the owner was warned of the coming expiry.'),
    lastActivityAt: timestampField('Last activity seen through the image activity signal.'),
    stoppedAt: timestampField('When the session last stopped.'),
    nodeName: optionalText(253, 'The node the session runs on.'),
    resources: resourceAmounts('The resources granted, after defaults from the image.').optional(),
    endpoint: endpointStatus.optional(),
    guacamole: guacamoleStatus.optional(),
  }),
  'What the operator observed: phase, conditions, times and how to connect.',
);

export type AnalysisSessionSpec = z.infer<typeof sessionSpec>;
export type AnalysisSessionStatus = z.infer<typeof sessionStatus>;
export type SessionPhase = (typeof SESSION_PHASES)[number];
