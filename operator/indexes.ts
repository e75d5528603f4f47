// The cache indexes the operator's controllers share: one definition per index, so every caller that
// asks for the shared sessions (or pods) cache asks for the same functions under the same names (a
// cache refuses another function under a taken name). Quotas count by owner and proposal, the images
// controller by image, the dashboard lists a user's sessions and what runs on a node.
import type { AnalysisSession } from '../crds/index.ts';
import type { Cache } from '../runtime/informer.ts';
import type { Manager, Selectors } from '../runtime/manager.ts';
import { Pods, type Pod } from '../runtime/resources.ts';
import { AnalysisSessions } from './api.ts';

export const SESSIONS_BY_OWNER = 'byOwner';
export const SESSIONS_BY_IMAGE = 'byImage';
export const SESSIONS_BY_PROPOSAL = 'byProposal';
export const PODS_BY_NODE = 'byNode';

export const sessionsByOwner = (s: AnalysisSession): string[] => [s.spec.owner];
export const sessionsByImage = (s: AnalysisSession): string[] => [s.spec.image];
export const sessionsByProposal = (s: AnalysisSession): string[] => [s.spec.proposal];
/** Pods not yet scheduled are under no node. */
export const podsByNode = (p: Pod): string[] => (p.spec?.nodeName ? [p.spec.nodeName] : []);

export const sessionIndexes = {
  [SESSIONS_BY_OWNER]: sessionsByOwner,
  [SESSIONS_BY_IMAGE]: sessionsByImage,
  [SESSIONS_BY_PROPOSAL]: sessionsByProposal,
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
