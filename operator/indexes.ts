// The cache indexes the operator's controllers share: one definition per index, so every caller that
// asks for the shared sessions (or pods) cache asks for the same functions under the same names (a
// cache refuses another function under a taken name). Quotas count by owner and proposal, the images
// controller by image, the dashboard lists a user's sessions and what runs on a node.
import type { AnalysisSession, Quota } from '../crds/index.ts';
import type { Cache } from '../runtime/informer.ts';
import type { Manager, Selectors } from '../runtime/manager.ts';
import { Pods, type Pod } from '../runtime/resources.ts';
import { AnalysisSessions, Quotas } from './api.ts';
import { heldBy } from './quotas/policy.ts';

export const SESSIONS_BY_OWNER = 'byOwner';
export const SESSIONS_BY_IMAGE = 'byImage';
export const SESSIONS_BY_PROPOSAL = 'byProposal';
export const PODS_BY_NODE = 'byNode';
/** Queued sessions by the quota they wait for (the quota's release wakes exactly these). */
export const SESSIONS_HELD_BY_QUOTA = 'heldByQuota';
/** Quotas by the UIDs of the sessions in their ledger (a session's change or deletion concerns these). */
export const QUOTAS_BY_LEDGER_UID = 'byLedgerUid';

export const sessionsByOwner = (s: AnalysisSession): string[] => [s.spec.owner];
export const sessionsByImage = (s: AnalysisSession): string[] => [s.spec.image];
export const sessionsByProposal = (s: AnalysisSession): string[] => [s.spec.proposal];
export const sessionsHeldByQuota = (s: AnalysisSession): string[] => {
  const quota = heldBy(s);
  return quota ? [quota] : [];
};
export const quotasByLedgerUid = (q: Quota): string[] => (q.status?.ledger ?? []).map((e) => e.uid);
/** Pods not yet scheduled are under no node. */
export const podsByNode = (p: Pod): string[] => (p.spec?.nodeName ? [p.spec.nodeName] : []);

export const sessionIndexes = {
  [SESSIONS_BY_OWNER]: sessionsByOwner,
  [SESSIONS_BY_IMAGE]: sessionsByImage,
  [SESSIONS_BY_PROPOSAL]: sessionsByProposal,
  [SESSIONS_HELD_BY_QUOTA]: sessionsHeldByQuota,
};

export const podIndexes = { [PODS_BY_NODE]: podsByNode };

/** The shared AnalysisSession cache, with the session indexes. */
export function sessionsCache(manager: Manager): Cache<AnalysisSession> {
  return manager.cache(AnalysisSessions, {}, { indexes: sessionIndexes });
}

/** The shared pods cache for `selectors` (e.g. the operator's session label), indexed by node. */
export function podsCache(manager: Manager, selectors: Selectors = {}): Cache<Pod> {
  return manager.cache(Pods, selectors, { indexes: podIndexes });
}

/** The shared Quota cache, indexed by the sessions in each ledger. */
export function quotasCache(manager: Manager): Cache<Quota> {
  return manager.cache(Quotas, {}, { indexes: { [QUOTAS_BY_LEDGER_UID]: quotasByLedgerUid } });
}
