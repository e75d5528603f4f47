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
      'EachUser: the default for every user. User: one user (overrides EachUser and Group). Group: each member of the group (the most generous matching Group applies). Proposal: the total of all sessions in the proposal.',
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
    used: doc(usage.optional(), 'For User and Proposal subjects: what is in use.'),
    users: doc(
      z
        .array(
          doc(
            z.object({ user: doc(z.string().max(128), 'User name.'), used: usage }),
            'One user and what they use.',
          ),
        )
        .max(1000)
        .optional(),
      'For EachUser and Group subjects: usage of each user with at least one session.',
      { listType: 'map', listMapKeys: ['user'] },
    ),
  }),
  'What the operator counts against the quota.',
);

export type QuotaSpec = z.infer<typeof quotaSpec>;
export type QuotaStatus = z.infer<typeof quotaStatus>;
