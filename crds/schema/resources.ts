// Compute resources as sessions request them and images bound them. Quantities are int-or-string
// like core/v1 so `cpu: 2` and `cpu: "500m"` both work.
import { z } from 'zod';
import { doc, type CelRule } from './kube-meta.ts';
import { gpuCountField, patterned, matchesRule, quantityField } from './primitives.ts';

export const MAX_CPU = '256';
export const MAX_MEMORY = '4Ti';
export const MAX_DISK = '64Ti';

export function resourceAmounts(description: string) {
  return doc(
    z.object({
      cpu: quantityField('CPU cores.', 'cpu', MAX_CPU).optional(),
      memory: quantityField('Memory.', 'memory', MAX_MEMORY).optional(),
      disk: quantityField(
        'Scratch disk for the session (container ephemeral storage or the VM root disk size).',
        'disk',
        MAX_DISK,
      ).optional(),
      gpus: gpuCountField('Number of GPUs.').optional(),
    }),
    description,
  );
}

export type ResourceAmounts = z.infer<ReturnType<typeof resourceAmounts>>;

const gpuResourceMessage =
  'must be an extended resource name with a domain such as nvidia.com/gpu (not a standard resource such as memory, nor in the kubernetes.io domain), at most 253 characters';
/** Extended resources are domain-qualified and outside kubernetes.io (which names standard resources). */
const EXTENDED_RESOURCE =
  '^([a-z0-9]([-a-z0-9]*[a-z0-9])?\\.)+[a-z0-9]([-a-z0-9]*[a-z0-9])?/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$';
const notKubernetesDomain: CelRule = {
  rule: "!self.startsWith('kubernetes.io/') && !self.split('/')[0].endsWith('.kubernetes.io') && !self.startsWith('requests.')",
  message: gpuResourceMessage,
};

/** Pairs of (default, max) that a single image can check itself: default must not exceed max. */
const withinMaximum = (name: 'cpu' | 'memory' | 'disk') => ({
  rule: `!has(self.default) || !has(self.max) || !has(self.default.${name}) || !has(self.max.${name}) || !isQuantity(string(self.default.${name})) || !isQuantity(string(self.max.${name})) || quantity(string(self.default.${name})).compareTo(quantity(string(self.max.${name}))) <= 0`,
  message: `default.${name} must not exceed max.${name}`,
  fieldPath: `.default.${name}`,
});

export const imageResources = doc(
  z.object({
    default: resourceAmounts('What a session gets when it does not ask for more or less.').optional(),
    max: resourceAmounts(
      'The most a session of this image may request; the operator refuses larger requests.',
    ).optional(),
    gpuResourceName: doc(
      patterned(253, EXTENDED_RESOURCE, gpuResourceMessage)
        .refine((v) => !/^kubernetes\.io\/|^[^/]*\.kubernetes\.io\/|^requests\./.test(v), gpuResourceMessage)
        .default('nvidia.com/gpu'),
      'The extended resource that GPUs are requested as (nvidia.com/gpu, amd.com/gpu, a MIG profile...).',
      { validations: [matchesRule(EXTENDED_RESOURCE, gpuResourceMessage), notKubernetesDomain] },
    ),
  }),
  'Default and maximum resources for sessions of this image.',
  {
    validations: [
      withinMaximum('cpu'),
      withinMaximum('memory'),
      withinMaximum('disk'),
      {
        rule: '!has(self.default) || !has(self.max) || !has(self.default.gpus) || !has(self.max.gpus) || self.default.gpus <= self.max.gpus',
        message: 'default.gpus must not exceed max.gpus',
        fieldPath: '.default.gpus',
      },
    ],
  },
);
