// The quotas' part of the operator's configuration: one switch, shared by the session controller
// (which admits sessions against Quotas) and the Quota controller (which releases and reports).
import { z } from 'zod';
import { boolean } from '../../runtime/config.ts';

export const quotaConfigSchema = z.object({
  quotas: boolean
    .prefault('true')
    .describe('enforce Quotas: sessions that do not fit wait as Queued (false: Quotas are ignored)'),
});

export type QuotaConfig = z.output<typeof quotaConfigSchema>;
