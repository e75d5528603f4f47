// Test fixtures: Quotas as the API server returns them (parsed by the API's zod schema), and ledger
// entries.
import { quota as quotaSchema, type LedgerEntry, type Quota, type QuotaInput } from '../../crds/index.ts';

export function quota(
  name: string,
  subject: QuotaInput['spec']['subject'],
  limits: QuotaInput['spec']['limits'],
  ledger: LedgerEntry[] = [],
): Quota {
  return quotaSchema.parse({
    apiVersion: 'daas.calipsoplus.eu/v1alpha1',
    kind: 'Quota',
    metadata: { name, uid: `uid-${name}`, generation: 1, resourceVersion: '10' },
    spec: { subject, limits },
    ...(ledger.length ? { status: { ledger } } : {}),
  });
}

export function entry(n: number, user = 'akowalska', share: Partial<LedgerEntry> = {}): LedgerEntry {
  return {
    uid: `s-${n}`,
    session: `proposal-mx-2451/s-${n}`,
    user,
    generation: 1,
    cpu: '2',
    memory: '8Gi',
    ...share,
  };
}
