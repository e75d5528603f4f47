// Quota: limits on what sessions may use, for each user (default), one user, the members of a group,
// or a whole proposal. Cluster-scoped and written by admins, so users cannot raise their own limits.
import { z } from 'zod';
import { doc, immutable } from './kube-meta.ts';
import {
  conditionsField,
  durationField,
  matchesRule,
  optionalText,
  patterned,
  quantityField,
} from './primitives.ts';

export const QUOTA_SUBJECT_KINDS = ['EachUser', 'User', 'Group', 'Proposal'] as const;

const SUBJECT_NAME = '^[A-Za-z0-9][A-Za-z0-9._@+:/-]*$';
const subjectNameMessage =
  'must be a user, group or proposal name: letters, digits and . _ @ + : / -, starting with a letter or digit, at most 128 characters';

export const quotaSubject = doc(
  z.object({
    kind: doc(
      z.enum(QUOTA_SUBJECT_KINDS),
      'EachUser: the default for each user, counted per user. User: one user (overrides EachUser). Group: the total of the sessions of the members of the group (groups stamped on the session when it was created). Proposal: the total of all sessions in the proposal. The user quota and every Group and Proposal quota that applies must all hold.',
    ),
    name: doc(
      patterned(128, SUBJECT_NAME, subjectNameMessage).optional(),
      'The user, group or proposal id. Not used with EachUser.',
      { validations: [matchesRule(SUBJECT_NAME, subjectNameMessage)] },
    ),
  }),
  'Whom the limits apply to. Immutable: create another Quota instead.',
  {
    validations: [
      immutable('subject', 'create another Quota for another subject'),
      {
        rule: "self.kind == 'EachUser' ? !has(self.name) : has(self.name)",
        message: 'name is required for User, Group and Proposal subjects and must be empty for EachUser',
        fieldPath: '.name',
      },
    ],
  },
);

export const quotaLimits = doc(
  z.object({
    sessions: doc(
      z.int().min(0).max(1000).optional(),
      'Sessions that may exist at once (Stopped ones do not count).',
    ),
    cpu: quantityField('CPU cores in use at once.', 'cpu', '100k').optional(),
    memory: quantityField('Memory in use at once.', 'memory', '1Pi').optional(),
    disk: quantityField('Scratch disk in use at once.', 'disk', '1Ei').optional(),
    gpus: doc(z.int().min(0).max(1024).optional(), 'GPUs in use at once.'),
    maxLifetime: durationField(
      'The longest any one session may run, whatever the image allows (the smaller of the two applies).',
      '10s',
      '720h',
    ).optional(),
  }),
  'Limits summed over the running sessions of the subject. Unset limits are not enforced by this Quota.',
);

export const quotaSpec = doc(
  z.object({
    subject: quotaSubject,
    limits: quotaLimits,
    description: optionalText(1024, 'Why this quota exists, e.g. "beamline staff override".'),
  }),
  'Whom the quota applies to and the limits.',
);

/** Most sessions one Quota's ledger holds (an etcd object stays well below its 1.5 MiB limit). */
export const MAX_LEDGER_ENTRIES = 2000;
/** Most users listed in status.users (the biggest users first). */
export const MAX_STATUS_USERS = 100;

export const ledgerEntry = doc(
  z.object({
    uid: doc(z.string().max(64), 'The UID of the session holding the share.'),
    session: doc(z.string().max(253), 'The session, as namespace/name.'),
    user: doc(z.string().max(128), 'The owner of the session.'),
    generation: doc(z.int().min(0), 'The session generation that was admitted.'),
    cpu: doc(z.string().max(32), 'CPU held, as a quantity.'),
    memory: doc(z.string().max(32), 'Memory held, as a quantity.'),
    disk: optionalText(32, 'Scratch disk held, as a quantity.'),
    gpus: doc(z.int().min(0).optional(), 'GPUs held.'),
  }),
  'One admitted session and what it holds.',
);

const usage = doc(
  z.object({
    sessions: doc(z.int().min(0), 'Sessions counted against the quota.'),
    cpu: optionalText(32, 'CPU in use, as a quantity.'),
    memory: optionalText(32, 'Memory in use, as a quantity.'),
    disk: optionalText(32, 'Disk in use, as a quantity.'),
    gpus: doc(z.int().min(0).optional(), 'GPUs in use.'),
  }),
  'Resources in use.',
);

export const quotaStatus = doc(
  z.object({
    observedGeneration: doc(z.int().min(0).optional(), 'The generation the operator last acted on.'),
    conditions: conditionsField(
      'Ready (the quota is in force); Conflict when another Quota targets the same subject.',
    ),
    used: doc(
      usage.optional(),
      'What the sessions in the ledger hold in total (for EachUser: all users together; each user is held to the limits on their own).',
    ),
    queued: doc(z.int().min(0).optional(), 'Sessions waiting for this quota (Queued).'),
    ledger: doc(
      z.array(ledgerEntry).max(MAX_LEDGER_ENTRIES).optional(),
      'The sessions admitted against this quota and what each holds, written with optimistic concurrency so that concurrent admissions never exceed the limits. Maintained by the operator.',
      { listType: 'map', listMapKeys: ['uid'] },
    ),
    users: doc(
      z
        .array(
          doc(
            z.object({ user: doc(z.string().max(128), 'User name.'), used: usage }),
            'One user and what they use.',
          ),
        )
        .max(MAX_STATUS_USERS)
        .optional(),
      'For EachUser and Group subjects: usage of each user with at least one session (the biggest users first, at most 100).',
      { listType: 'map', listMapKeys: ['user'] },
    ),
  }),
  'What the operator counts against the quota.',
);

export type QuotaSpec = z.infer<typeof quotaSpec>;
export type QuotaStatus = z.infer<typeof quotaStatus>;
export type LedgerEntry = z.infer<typeof ledgerEntry>;
