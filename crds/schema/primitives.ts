// Reusable field types shared by the three kinds. Each one states its limits (maxLength, patterns)
// so that the CEL cost estimate of every rule stays within the API server's budget.
import { z } from 'zod';
import { doc, type CelRule } from './kube-meta.ts';

/**
 * A string whose format is checked by a regular expression both at runtime (zod) and at admission
 * (CEL `matches`, which gives a readable message instead of the bare pattern of OpenAPI).
 */
export function patterned(maxLength: number, regex: string, message: string): z.ZodString {
  const compiled = new RegExp(regex);
  return z
    .string()
    .min(1)
    .max(maxLength)
    .refine((value) => compiled.test(value), message);
}

export function matchesRule(regex: string, message: string): CelRule {
  return { rule: `self.matches('${regex.replaceAll('\\', '\\\\')}')`, message };
}

function patternedField(
  maxLength: number,
  regex: string,
  description: string,
  message: string,
  extra: CelRule[],
) {
  return doc(patterned(maxLength, regex, message), description, {
    validations: [matchesRule(regex, message), ...extra],
  });
}

export const DNS_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
export const USER_NAME = '^[A-Za-z0-9][A-Za-z0-9._@+:-]*$';
export const GROUP_NAME = '^[A-Za-z0-9][A-Za-z0-9._@+:/-]*$';
/** Proposal ids end up in a namespace label value, so they follow the label-value syntax. */
export const PROPOSAL_ID = '^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$';
/** Go duration subset accepted by CEL `duration()`: hours, minutes and seconds, e.g. `1h30m`. */
export const DURATION = '^([0-9]{1,6}(h|m|s)){1,3}$';

/** CEL guard: true when `path` holds a duration that CEL `duration()` can parse. */
export const isDuration = (path: string) => `${path}.matches('${DURATION}')`;
/** Kubernetes resource.Quantity syntax (as in k8s.io/apimachinery). */
export const QUANTITY =
  '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';
/** Extended resource names such as `nvidia.com/gpu` or `amd.com/gpu`. */
export const RESOURCE_NAME =
  '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$';

export const imageNameField = (description: string, extra: CelRule[] = []) =>
  patternedField(
    63,
    DNS_LABEL,
    description,
    'must be a SessionImage name: lower-case letters, digits and -, at most 63 characters',
    extra,
  );

export const userNameField = (description: string, extra: CelRule[] = []) =>
  patternedField(
    128,
    USER_NAME,
    description,
    'must be a user name: letters, digits and . _ @ + : -, starting with a letter or digit, at most 128 characters',
    extra,
  );

export const groupNameField = (description: string, extra: CelRule[] = []) =>
  patternedField(
    128,
    GROUP_NAME,
    description,
    'must be a group name: letters, digits and . _ @ + : / -, starting with a letter or digit, at most 128 characters',
    extra,
  );

export const proposalIdField = (description: string, extra: CelRule[] = []) =>
  patternedField(
    63,
    PROPOSAL_ID,
    description,
    'must be a proposal id: letters, digits, . _ and -, starting and ending with a letter or digit, at most 63 characters',
    extra,
  );

export const beamlineField = (description: string, extra: CelRule[] = []) =>
  patternedField(
    63,
    PROPOSAL_ID,
    description,
    'must be a beamline name: letters, digits, . _ and -, starting and ending with a letter or digit, at most 63 characters',
    extra,
  );

/**
 * A duration such as `8h`, `90m` or `1h30m`, bounded: the bounds are CEL rules so the message
 * says what the limit is. Rules are guarded by the format check so a malformed value reports
 * only the format error, never a CEL evaluation error.
 */
export function durationField(description: string, min: string, max: string) {
  const format = `must be a duration such as 8h, 90m or 1h30m (units h, m, s)`;
  const bounded = isDuration('self');
  return doc(
    patterned(21, DURATION, format),
    `${description} A duration such as 8h, 90m or 1h30m; between ${min} and ${max}.`,
    {
      validations: [
        { rule: bounded, message: format },
        {
          rule: `!(${bounded}) || (duration(self) >= duration('${min}') && duration(self) <= duration('${max}'))`,
          message: `must be between ${min} and ${max}`,
        },
      ],
    },
  );
}

/** Guard used by every rule that reads a quantity, so a malformed one reports only its pattern error. */
export const QUANTITY_GUARD = `isQuantity(string(self))`;

/**
 * A Kubernetes quantity (`4`, `500m`, `16Gi`), int-or-string as in core/v1, with its pattern, and a
 * CEL rule that it is positive and within an absolute sanity bound.
 */
export function quantityField(description: string, what: string, max: string) {
  return doc(
    z.union([z.string().max(32).regex(new RegExp(QUANTITY)), z.int().min(0)]),
    `${description} A Kubernetes quantity (for example ${what === 'cpu' ? '2, 500m' : '4Gi, 512Mi'}); at most ${max}.`,
    {
      intOrString: true,
      validations: [
        {
          rule: `!${QUANTITY_GUARD} || (quantity(string(self)).isGreaterThan(quantity('0')) && quantity(string(self)).compareTo(quantity('${max}')) <= 0)`,
          message: `${what} must be greater than 0 and at most ${max}`,
        },
      ],
    },
  );
}

export const gpuCountField = (description: string) =>
  doc(z.int().min(0).max(16), `${description} Whole GPUs, from 0 to 16.`);

/**
 * A path below a data root, written by users: relative, without `..` segments, control characters
 * or backslashes, so it can never escape the directory it is joined to.
 */
function hasControlOrBackslash(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f || code === 0x5c) return true;
  }
  return false;
}

export function subPathField(description: string) {
  const safe = z
    .string()
    .min(1)
    .max(1024)
    .refine(
      (value) => !value.startsWith('/') && !/(^|\/)\.\.(\/|$)/.test(value) && !hasControlOrBackslash(value),
      'must be a relative path without .. segments, control characters or backslashes',
    );
  return doc(safe, description, {
    validations: [
      { rule: `!self.startsWith('/')`, message: 'must be a relative path (it must not start with /)' },
      { rule: `!self.matches('(^|/)\\\\.\\\\.(/|$)')`, message: 'must not contain a .. segment' },
      {
        rule: `!self.matches('[\\\\x00-\\\\x1f\\\\x7f\\\\\\\\]')`,
        message: 'must not contain control characters or backslashes',
      },
    ],
  });
}

/** metav1.Condition, exactly as Kubernetes defines it (so kubectl and tools understand it). */
export const condition = doc(
  z.object({
    type: doc(
      z
        .string()
        .min(1)
        .max(316)
        .regex(
          /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$/,
        ),
      'Type of condition in CamelCase, e.g. Ready.',
    ),
    status: doc(z.enum(['True', 'False', 'Unknown']), 'Status of the condition: True, False or Unknown.'),
    observedGeneration: doc(
      z.int().min(0).optional(),
      'The .metadata.generation the condition was set for; older than the current generation means stale.',
    ),
    lastTransitionTime: doc(z.iso.datetime({ offset: true }), 'When the condition last changed status.'),
    reason: doc(
      z
        .string()
        .min(1)
        .max(1024)
        .regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/),
      'Programmatic identifier (CamelCase) for the last transition, e.g. QuotaExceeded.',
    ),
    message: doc(z.string().max(32768), 'Human-readable details about the last transition.'),
  }),
  'A standard Kubernetes condition (metav1.Condition).',
);

export const conditionsField = (description: string) =>
  doc(z.array(condition).max(16).optional(), description, { listType: 'map', listMapKeys: ['type'] });

/** An optional free-form string of at most `max` characters. */
export const optionalText = (max: number, description: string) =>
  doc(z.string().max(max).optional(), description);

export const timestampField = (description: string) =>
  doc(z.iso.datetime({ offset: true }).optional(), description);
