// The warm pool's part of the operator's configuration: where pool VMs live, and the admin's budget
// for all pools together (ADR 0024). Shared by the pool controller, which keeps the pools, and the
// session controller, which claims from them (the same field objects: merged once).
import { z } from 'zod';
import { dnsLabel, wholeNumber } from '../../runtime/config.ts';
import { quantityValue } from '../../runtime/quantity.ts';

const quantity = (example: string) =>
  z.string().refine((text) => (quantityValue(text) ?? -1) >= 0, {
    error: `expected a Kubernetes quantity such as ${example}`,
  });

export const poolConfigSchema = z.object({
  warmPoolNamespace: dnsLabel('expected a namespace name')
    .default('daas-pool')
    .describe('the namespace of the warm pool VMs (SessionImage spec.warmPool), claimed ones included'),
  warmPoolMaxVms: wholeNumber(0, 10_000)
    .prefault('20')
    .describe('the most unclaimed warm pool VMs of all images together (0: no pools)'),
  warmPoolMaxCpu: quantity('64')
    .default('64')
    .describe('the most cpu all unclaimed warm pool VMs may ask for together'),
  warmPoolImageSelector: z
    .string()
    .default('')
    .describe('a label selector of the SessionImages whose pools this operator keeps (empty: all)'),
  warmPoolMaxMemory: quantity('256Gi')
    .default('256Gi')
    .describe('the most memory all unclaimed warm pool VMs may ask for together'),
});

export type PoolConfig = z.output<typeof poolConfigSchema>;

/** The budget as numbers (millicores, bytes), for the pure plan. */
export interface PoolBudget {
  vms: number;
  milliCpu: number;
  memoryBytes: number;
}

export function poolBudget(c: PoolConfig): PoolBudget {
  return {
    vms: c.warmPoolMaxVms,
    milliCpu: Math.round((quantityValue(c.warmPoolMaxCpu) ?? 0) * 1000),
    memoryBytes: quantityValue(c.warmPoolMaxMemory) ?? 0,
  };
}
