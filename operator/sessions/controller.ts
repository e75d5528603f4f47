// Wires the AnalysisSession reconciler into the manager: the caches it reads and what triggers it
// (its sessions, their children, the images and proposal namespaces they depend on).
import { PROPOSAL_LABEL, type AnalysisSession } from '../../crds/index.ts';
import { AnalysisSessions, SessionImages } from '../api.ts';
import type { OperatorContext } from '../../runtime/app.ts';
import type { Controller } from '../../runtime/controller.ts';
import {
  Namespaces,
  Nodes,
  NetworkPolicies,
  PersistentVolumeClaims,
  PersistentVolumes,
  Pods,
  Secrets,
  Services,
  keyOf,
} from '../../runtime/resources.ts';
import { SESSION_LABEL, SESSION_NAMESPACE_LABEL } from './names.ts';
import { SessionReconciler } from './reconciler.ts';
import type { SessionControllerConfig } from './types.ts';

export function registerSessionController(
  ctx: OperatorContext,
  config: SessionControllerConfig,
  options: { workers?: number } = {},
): Controller {
  const m = ctx.manager;
  // Children are watched by the operator's own label only, never every pod of the cluster.
  const children = { labelSelector: SESSION_LABEL };
  const proposals = { labelSelector: PROPOSAL_LABEL };
  const sessions = m.cache(AnalysisSessions);
  const reconciler = new SessionReconciler({
    client: ctx.client,
    recorder: ctx.recorder,
    config,
    caches: {
      sessions,
      images: m.cache(SessionImages),
      namespaces: m.cache(Namespaces, proposals),
      pods: m.cache(Pods, children),
      services: m.cache(Services, children),
      secrets: m.cache(Secrets, children),
      networkPolicies: m.cache(NetworkPolicies, children),
      claims: m.cache(PersistentVolumeClaims, children),
      volumes: m.cache(PersistentVolumes, children),
      nodes: m.cache(Nodes),
    },
  });
  return m.controller({
    name: 'analysissession',
    for: AnalysisSessions,
    reconcile: reconciler.reconcile,
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    owns: [Pods, Services, Secrets, NetworkPolicies, PersistentVolumeClaims].map((type) => ({
      type,
      selectors: children,
    })),
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
        map: (image) =>
          sessions
            .list()
            .filter((s) => (s as unknown as AnalysisSession).spec.image === image.metadata.name)
            .map(keyOf),
      },
      {
        type: Namespaces,
        selectors: proposals,
        map: (ns) => sessions.list(ns.metadata.name).map(keyOf),
      },
    ],
  });
}
