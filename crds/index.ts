// Public entry point of the API types: import schemas and types from here (operator, dashboard).
import { z } from 'zod';
import { API_VERSION } from './group.ts';
import { sessionSpec, sessionStatus } from './schema/analysis-session.ts';
import { sessionImageSpec, sessionImageStatus } from './schema/session-image.ts';
import { quotaSpec, quotaStatus } from './schema/quota.ts';

export * from './kinds.ts';
export * from './group.ts';
export * from './labels.ts';
export * from './conditions.ts';
export * from './reasons.ts';
export {
  sessionSpec,
  sessionStatus,
  SESSION_PHASES,
  RESERVED_MOUNT_NAMES,
} from './schema/analysis-session.ts';
export type { AnalysisSessionSpec, AnalysisSessionStatus, SessionPhase } from './schema/analysis-session.ts';
export { sessionImageSpec, sessionImageStatus } from './schema/session-image.ts';
export type { SessionImageSpec, SessionImageStatus } from './schema/session-image.ts';
export {
  quotaSpec,
  quotaStatus,
  QUOTA_SUBJECT_KINDS,
  MAX_LEDGER_ENTRIES,
  MAX_STATUS_USERS,
} from './schema/quota.ts';
export type { QuotaSpec, QuotaStatus, LedgerEntry } from './schema/quota.ts';
export type { ResourceAmounts } from './schema/resources.ts';
export { OPERATOR_RULES, type OperatorReason } from './operator-rules.ts';

/** The parts of ObjectMeta the API types rely on; everything else is kept as is. */
const objectMeta = z.looseObject({
  name: z.string().max(253),
  namespace: z.string().max(63).optional(),
  uid: z.string().optional(),
  generation: z.int().optional(),
  resourceVersion: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

function resource<K extends string, S extends z.ZodType, T extends z.ZodType>(kind: K, spec: S, status: T) {
  return z.looseObject({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal(kind),
    metadata: objectMeta,
    spec,
    status: status.optional(),
  });
}

/** Runtime validators for whole objects as read from or written to the API server. */
export const analysisSession = resource('AnalysisSession', sessionSpec, sessionStatus);
export const sessionImage = resource('SessionImage', sessionImageSpec, sessionImageStatus);
export const quota = resource('Quota', quotaSpec, quotaStatus);

/** Objects after defaulting (as the API server returns them). */
export type AnalysisSession = z.output<typeof analysisSession>;
export type SessionImage = z.output<typeof sessionImage>;
export type Quota = z.output<typeof quota>;
/** Objects as a client may write them (defaulted fields optional). */
export type AnalysisSessionInput = z.input<typeof analysisSession>;
export type SessionImageInput = z.input<typeof sessionImage>;
export type QuotaInput = z.input<typeof quota>;
