// The watch caches the dashboard reads from (the runtime's informers, shared with the embedded
// gateway): sessions (indexed by owner and by the users they are shared with), images, quotas,
// proposal namespaces, nodes and pods. Pages never list from the API server.
import { PROPOSAL_LABEL, type AnalysisSession, type Quota, type SessionImage } from '../../crds/index.ts';
import { AnalysisSessions, Quotas, SessionImages } from '../../operator/api.ts';
import type { Cache } from '../../runtime/informer.ts';
import type { Manager } from '../../runtime/manager.ts';
import { Namespaces, Nodes, Pods, type Namespace, type Node, type Pod } from '../../runtime/resources.ts';

export interface DashboardCaches {
  sessions: Cache<AnalysisSession>;
  images: Cache<SessionImage>;
  quotas: Cache<Quota>;
  namespaces: Cache<Namespace>;
  nodes: Cache<Node>;
  pods: Cache<Pod>;
}

export const BY_OWNER = 'byOwner';
export const BY_SHARED_WITH = 'bySharedWith';

export function dashboardCaches(manager: Manager): DashboardCaches {
  return {
    sessions: manager.cache(AnalysisSessions, undefined, {
      indexes: {
        [BY_OWNER]: (s) => [s.spec.owner],
        [BY_SHARED_WITH]: (s) => s.spec.sharedWith ?? [],
      },
    }),
    images: manager.cache(SessionImages),
    quotas: manager.cache(Quotas),
    namespaces: manager.cache(Namespaces, { labelSelector: PROPOSAL_LABEL }),
    nodes: manager.cache(Nodes),
    // Running and pending pods only: what holds capacity.
    pods: manager.cache(Pods, { fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed' }),
  };
}

/** The sessions a user owns or that are shared with them. */
export function sessionsOf(caches: DashboardCaches, user: string): AnalysisSession[] {
  const owned = caches.sessions.byIndex(BY_OWNER, user);
  const shared = caches.sessions.byIndex(BY_SHARED_WITH, user).filter((s) => s.spec.owner !== user);
  return [...owned, ...shared].sort(byNewest);
}

const created = (s: AnalysisSession) => {
  const t = s.metadata.creationTimestamp;
  return typeof t === 'string' ? t : '';
};

// RFC 3339 timestamps in UTC order as plain strings; localeCompare would ask ICU for every pair.
export const byNewest = (a: AnalysisSession, b: AnalysisSession) => {
  const [x, y] = [created(a), created(b)];
  return x < y ? 1 : x > y ? -1 : 0;
};
