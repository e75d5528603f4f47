// Wires the AnalysisSession reconciler into the manager: the caches it reads and what triggers it
// (its sessions, their children of every registered runtime, the images and proposal namespaces
// they depend on, and the proposal's shared data claims and volumes).
import {
  CREDENTIALS_KEY_LABEL,
  DATA_LABEL,
  IMAGE_LABEL,
  PROPOSAL_LABEL,
  SESSION_LABEL,
  SESSION_NAMESPACE_LABEL,
} from '../../crds/index.ts';
import { AnalysisSessions, Quotas, SessionImages } from '../api.ts';
import { SESSIONS_BY_IMAGE, SESSIONS_HELD_BY_QUOTA, quotasCache, sessionsCache } from '../indexes.ts';
import { QuotaGate } from '../quotas/gate.ts';
import { capacityFreed } from '../quotas/wake.ts';
import type { OperatorContext } from '../../runtime/app.ts';
import { generationChanged, toControllerOwner, type Controller } from '../../runtime/controller.ts';
import type { Cache } from '../../runtime/informer.ts';
import type { Manager } from '../../runtime/manager.ts';
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
import { operatorAccess } from '../proposals/access.ts';
import type { SessionControllerConfig } from './types.ts';
import { DEFAULT_RUNTIMES, type WorkloadRuntimes } from './workloads/registry.ts';
import { claimingSession, type WarmPoolClaims } from './workloads/vm/claim.ts';
import type { ChildCaches } from './children.ts';

export interface SessionControllerOptions {
  workers?: number;
  /** Runtimes, access providers and probes other than the defaults (tests register their own). */
  seams?: Pick<SessionReconcilerDeps, 'runtimes' | 'access' | 'probes'>;
  /** Admit sessions against Quotas (operator/quotas/): those that do not fit wait as Queued. */
  enforceQuotas?: boolean;
  /** Claim warm pool VMs for VM sessions (workloads/vm/claim.ts, operator/pools/). */
  pool?: WarmPoolClaims;
}

// Children are watched by the operator's own labels only, never every pod of the cluster.
const children = { labelSelector: SESSION_LABEL };
// The proposal's data claims and volumes are shared by its sessions: watched by their own label.
const data = { labelSelector: DATA_LABEL };
// Objects shared by the sessions of an image in a namespace (its NetworkPolicy): by the image label.
const shared = { labelSelector: IMAGE_LABEL };

/** The kinds the registered runtimes create (a session's own, and shared), and a cache for each. */
function childCachesOf(m: Manager, runtimes: WorkloadRuntimes, secrets: Cache<KubeObject>) {
  const childKinds = new Map<string, ResourceType>([[Secrets.kind, Secrets]]);
  const sharedKinds = new Map<string, ResourceType>();
  for (const r of runtimes.values()) {
    for (const k of r.children) (k.shared ? sharedKinds : childKinds).set(k.type.kind, k.type);
  }
  const childCaches = new Map<string, Cache<KubeObject>>([
    ...[...childKinds.values()].map((t): [string, Cache<KubeObject>] => [
      t.kind,
      t.kind === Secrets.kind ? secrets : m.cache(t, children),
    ]),
    ...[...sharedKinds.values()].map((t): [string, Cache<KubeObject>] => [t.kind, m.cache(t, shared)]),
    [PersistentVolumeClaims.kind, m.cache(PersistentVolumeClaims, data)],
    [PersistentVolumes.kind, m.cache(PersistentVolumes, data)],
  ]);
  return { childKinds, sharedKinds, childCaches };
}

export function registerSessionController(
  ctx: OperatorContext,
  config: SessionControllerConfig,
  options: SessionControllerOptions = {},
): Controller {
  const m = ctx.manager;
  const proposals = { labelSelector: PROPOSAL_LABEL };
  const runtimes = options.seams?.runtimes ?? DEFAULT_RUNTIMES;
  // Secrets only where the operator's RoleBinding grants them (operator/proposals/access.ts): one
  // watch per proposal namespace, since RBAC cannot grant a cluster-wide read of some namespaces.
  const access = operatorAccess(m);
  const secrets = m.cacheInNamespaces(Secrets, access, children);
  const credentialKeys = m.cacheInNamespaces(Secrets, access, { labelSelector: CREDENTIALS_KEY_LABEL });
  const { childKinds, sharedKinds, childCaches } = childCachesOf(m, runtimes, secrets);
  const sessions = sessionsCache(m);
  const quotas = options.enforceQuotas ? quotasCache(m) : undefined;
  // A session's claimed pool VM stands in for a VM of its own (it lives in the pool namespace).
  const withPool = (caches: ChildCaches) => (options.pool ? options.pool.childCaches(caches) : caches);
  const reconciler = new SessionReconciler({
    client: ctx.client,
    recorder: ctx.recorder,
    config,
    ...options.seams,
    ...(quotas ? { quotas: new QuotaGate(ctx.client, quotas, sessions) } : {}),
    caches: {
      sessions,
      images: m.cache(SessionImages),
      namespaces: m.cache(Namespaces, proposals),
      nodes: m.cache(Nodes),
      volumes: m.cache(PersistentVolumes, data),
      claims: m.cache(PersistentVolumeClaims, data),
      credentialKeys,
      secretsListed: (namespace) =>
        secrets.hasSyncedNamespace(namespace) && credentialKeys.hasSyncedNamespace(namespace),
      children: withPool((type) => {
        const cache = childCaches.get(type.kind);
        if (!cache) throw new Error(`no cache for ${type.kind}: no registered runtime creates it`);
        return cache;
      }),
    },
    ...(options.pool ? { pool: options.pool } : {}),
  });
  const controller = m.controller({
    name: 'analysissession',
    for: AnalysisSessions,
    reconcile: reconciler.reconcile,
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    // Secrets apart: they are watched per proposal namespace (below), never cluster-wide.
    owns: [...childKinds.values()]
      .filter((type) => type.kind !== Secrets.kind)
      .map((type) => ({ type, selectors: children })),
    watches: [
      // A shared object (no owner) concerns the sessions of its image in its namespace.
      ...[...sharedKinds.values()].map((type) => ({
        type,
        selectors: shared,
        map: (obj: KubeObject) =>
          sessions
            .byIndex(SESSIONS_BY_IMAGE, obj.metadata.labels?.[IMAGE_LABEL] ?? '')
            .filter((s) => s.metadata.namespace === obj.metadata.namespace)
            .map(keyOf),
      })),
      {
        // Shared data claims and their volumes (no owner): a change concerns the namespace's sessions
        // (a claim becoming Bound lets the sessions waiting for it start).
        type: PersistentVolumeClaims,
        selectors: data,
        map: (claim) => sessions.list(claim.metadata.namespace).map(keyOf),
      },
      {
        type: PersistentVolumes,
        selectors: data,
        map: (pv) => {
          const namespace = pv.metadata.labels?.[SESSION_NAMESPACE_LABEL];
          return namespace ? sessions.list(namespace).map(keyOf) : undefined;
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
      // A quota that frees room (a release, a raised limit, its deletion) wakes the sessions waiting for it.
      ...(quotas
        ? [
            {
              type: Quotas,
              predicate: capacityFreed,
              map: (q: KubeObject) => sessions.indexKeys(SESSIONS_HELD_BY_QUOTA, q.metadata.name ?? ''),
            },
          ]
        : []),
    ],
  });
  controller.watch(secrets, toControllerOwner(AnalysisSessions));
  if (options.pool) {
    // A claimed pool VM and its instance concern the session that claimed it (no owner reference
    // can cross namespaces: the claim annotation names the session).
    const { vms, instances } = options.pool.caches;
    controller.watch(vms, claimingSession);
    controller.watch(instances, (vmi) =>
      claimingSession(vms.get(`${vmi.metadata.namespace ?? ''}/${vmi.metadata.name ?? ''}`)),
    );
  }
  return controller;
}
