// Wires the AnalysisSession reconciler into the manager: the caches it reads and what triggers it
// (its sessions, their children of every registered runtime, the images and proposal namespaces
// they depend on, and the cluster-scoped data volumes that name them).
import { PROPOSAL_LABEL, SESSION_LABEL, SESSION_NAMESPACE_LABEL } from '../../crds/index.ts';
import { AnalysisSessions, SessionImages } from '../api.ts';
import { SESSIONS_BY_IMAGE, sessionsCache } from '../indexes.ts';
import type { OperatorContext } from '../../runtime/app.ts';
import { generationChanged, type Controller } from '../../runtime/controller.ts';
import type { Cache } from '../../runtime/informer.ts';
import {
  Namespaces,
  Nodes,
  PersistentVolumeClaims,
  PersistentVolumes,
  Secrets,
  keyOf,
  type KubeObject,
  type ResourceType,
} from '../../runtime/resources.ts';
import { SessionReconciler, type SessionReconcilerDeps } from './reconciler.ts';
import type { SessionControllerConfig } from './types.ts';
import { DEFAULT_RUNTIMES } from './workloads/registry.ts';

export interface SessionControllerOptions {
  workers?: number;
  /** Runtimes, access providers and probes other than the defaults (tests register their own). */
  seams?: Pick<SessionReconcilerDeps, 'runtimes' | 'access' | 'probes'>;
}

export function registerSessionController(
  ctx: OperatorContext,
  config: SessionControllerConfig,
  options: SessionControllerOptions = {},
): Controller {
  const m = ctx.manager;
  // Children are watched by the operator's own label only, never every pod of the cluster.
  const children = { labelSelector: SESSION_LABEL };
  const proposals = { labelSelector: PROPOSAL_LABEL };
  const runtimes = options.seams?.runtimes ?? DEFAULT_RUNTIMES;
  const childKinds = new Map<string, ResourceType>([
    [Secrets.kind, Secrets],
    [PersistentVolumeClaims.kind, PersistentVolumeClaims],
  ]);
  for (const r of runtimes.values()) for (const k of r.children) childKinds.set(k.type.kind, k.type);
  const childCaches = new Map<string, Cache<KubeObject>>(
    [...childKinds.values(), PersistentVolumes].map((t) => [t.kind, m.cache(t, children)]),
  );
  const sessions = sessionsCache(m);
  const reconciler = new SessionReconciler({
    client: ctx.client,
    recorder: ctx.recorder,
    config,
    ...options.seams,
    caches: {
      sessions,
      images: m.cache(SessionImages),
      namespaces: m.cache(Namespaces, proposals),
      nodes: m.cache(Nodes),
      volumes: m.cache(PersistentVolumes, children),
      claims: m.cache(PersistentVolumeClaims, children),
      children: (type) => {
        const cache = childCaches.get(type.kind);
        if (!cache) throw new Error(`no cache for ${type.kind}: no registered runtime creates it`);
        return cache;
      },
    },
  });
  return m.controller({
    name: 'analysissession',
    for: AnalysisSessions,
    reconcile: reconciler.reconcile,
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    owns: [...childKinds.values()].map((type) => ({ type, selectors: children })),
    watches: [
      {
        // No owner reference on cluster-scoped volumes: their labels name the session.
        type: PersistentVolumes,
        selectors: children,
        map: (pv) => {
          const namespace = pv.metadata.labels?.[SESSION_NAMESPACE_LABEL];
          // Session names are DNS labels of at most 52 characters: the label value is the name.
          const session = pv.metadata.labels?.[SESSION_LABEL];
          return namespace && session ? `${namespace}/${session}` : undefined;
        },
      },
      {
        type: SessionImages,
        // Only the spec matters to sessions: the images controller's status writes must not wake them all.
        predicate: generationChanged,
        map: (image) => sessions.indexKeys(SESSIONS_BY_IMAGE, image.metadata.name ?? ''),
      },
      {
        type: Namespaces,
        selectors: proposals,
        map: (ns) => sessions.list(ns.metadata.name).map(keyOf),
      },
    ],
  });
}
