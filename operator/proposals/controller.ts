// The proposal-data controller: a proposal's data volumes from its namespace's arrival to its end.
// When a proposal namespace appears, it creates the claims every session of the proposal shares (the
// whole proposal read-only, the processed area read-write) with their pre-bound volumes, so that no
// session waits for kube-controller-manager to bind them. The claims go with the namespace, but their
// PersistentVolumes are cluster-scoped (Retain: the data itself is never touched); once the namespace
// is gone, this deletes them. A namespace that still exists (terminating, or no longer labelled as a
// proposal) keeps its volumes.
import { DATA_LABEL, PROPOSAL_LABEL, SESSION_NAMESPACE_LABEL } from '../../crds/index.ts';
import type { OperatorContext } from '../../runtime/app.ts';
import type { Controller } from '../../runtime/controller.ts';
import { isConflict, isNotFound } from '../../runtime/errors.ts';
import {
  Namespaces,
  PersistentVolumeClaims,
  PersistentVolumes,
  objectPath,
  type KubeObject,
} from '../../runtime/resources.ts';
import { apply } from '../../runtime/apply.ts';
import type { Cache } from '../../runtime/informer.ts';
import type { Logger } from 'pino';
import { proposalDataClaims } from '../sessions/data-volumes.ts';
import { operatorAccess } from './access.ts';
import { proposalNamespace } from '../sessions/steps/admit.ts';
import type { DataConfig } from '../sessions/types.ts';

/** How often a namespace is looked at again while the operator's access there is being granted. */
const ACCESS_RECHECK_MS = 1000;
/** How often a terminating namespace is looked at again until it is gone. */
const TERMINATING_RECHECK_MS = 5000;

export function registerProposalDataController(
  ctx: OperatorContext,
  data: DataConfig,
  options: { workers?: number } = {},
): Controller {
  const m = ctx.manager;
  const proposals = { labelSelector: PROPOSAL_LABEL };
  const dataSelector = { labelSelector: DATA_LABEL };
  const namespaces = m.cache(Namespaces, proposals);
  const volumes = m.cache(PersistentVolumes, dataSelector);
  const claims = m.cache(PersistentVolumeClaims, dataSelector);
  const client = ctx.client;
  const access = operatorAccess(m);
  return m.controller({
    name: 'proposaldata',
    for: Namespaces,
    forSelectors: proposals,
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    watches: [
      {
        type: PersistentVolumes,
        selectors: dataSelector,
        map: (pv) => pv.metadata.labels?.[SESSION_NAMESPACE_LABEL],
      },
      {
        type: PersistentVolumeClaims,
        selectors: dataSelector,
        map: (claim) => claim.metadata.namespace,
      },
    ],
    reconcile: async (req) => {
      // An operator limited to some namespaces (--namespaces) touches nothing elsewhere.
      if (!m.watches(req.name)) return undefined;
      const cached = namespaces.get(req.name);
      if (cached && !cached.metadata.deletionTimestamp) {
        // Its claims are written with the rights the operator's RoleBinding there grants.
        if (!access.has(req.name)) return { requeueAfterMs: ACCESS_RECHECK_MS };
        await onboard(ctx, { namespace: cached, data, volumes, claims, log: ctx.log });
        return undefined;
      }
      const orphans = volumes
        .list()
        .filter((pv) => pv.metadata.labels?.[SESSION_NAMESPACE_LABEL] === req.name);
      if (orphans.length === 0) return undefined;
      // The cache only holds proposal namespaces: ask the API server whether it is really gone.
      try {
        const live = await client.get<KubeObject>(objectPath(Namespaces, undefined, req.name));
        return live.metadata.deletionTimestamp ? { requeueAfterMs: TERMINATING_RECHECK_MS } : undefined;
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      for (const pv of orphans) {
        await client
          .request('DELETE', objectPath(PersistentVolumes, undefined, pv.metadata.name ?? ''), {
            body: { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: pv.metadata.uid } },
          })
          .catch((err: unknown) => {
            if (!isNotFound(err) && !isConflict(err)) throw err;
          });
      }
      ctx.log.info(
        { namespace: req.name, volumes: orphans.length },
        'deleted the data volumes of a removed proposal',
      );
      return undefined;
    },
  });
}

interface Onboarding {
  namespace: KubeObject;
  data: DataConfig;
  volumes: Cache<KubeObject>;
  claims: Cache<KubeObject>;
  log: Logger;
}

/**
 * Creates the proposal's shared volumes, then each claim once its volume is Available (the volume
 * binder binds a pre-bound claim at once only then; the volume's update brings this back). Claims
 * that exist keep their spec (sessions mount them as they are); only labels changed by hand are put
 * back, by applying the same claim again. A claim whose data label was removed has left the cache:
 * it is recognised by the volume bound to it.
 */
async function onboard(ctx: OperatorContext, o: Onboarding): Promise<void> {
  const name = o.namespace.metadata.name ?? '';
  const ns = proposalNamespace(o.namespace, name);
  if (!ns) return;
  const built = proposalDataClaims(ns, o.data);
  if (!built.ok) {
    // The sessions of the proposal say the same, in their status, when they need the data.
    o.log.warn({ namespace: name, err: built.error.message }, 'proposal data not onboarded');
    return;
  }
  for (const pv of built.value.persistentVolumes as KubeObject[]) {
    if (!o.volumes.get(pv.metadata.name ?? '')) await apply(ctx.client, PersistentVolumes, pv);
  }
  for (const claim of built.value.claims as KubeObject[]) {
    const cached = o.claims.get(`${name}/${claim.metadata.name ?? ''}`);
    if (cached) {
      if (labelsKept(cached, claim)) continue;
      o.log.info({ namespace: name, claim: claim.metadata.name }, 'restoring the labels of a data claim');
      await apply(ctx.client, PersistentVolumeClaims, claim);
      continue;
    }
    const volumeName = (claim.spec as { volumeName?: string } | undefined)?.volumeName ?? '';
    const volume = o.volumes.get(volumeName);
    const claimRef = (volume?.spec as { claimRef?: { name?: string; namespace?: string } } | undefined)
      ?.claimRef;
    const boundToIt = claimRef?.name === claim.metadata.name && claimRef?.namespace === name;
    const phase = (volume?.status as { phase?: string } | undefined)?.phase;
    if (phase !== 'Available' && !(phase === 'Bound' && boundToIt)) continue;
    await apply(ctx.client, PersistentVolumeClaims, claim);
  }
}

/** Whether every label the operator sets on a claim is still there with its value (others may add more). */
function labelsKept(live: KubeObject, desired: KubeObject): boolean {
  const have = live.metadata.labels ?? {};
  return Object.entries(desired.metadata.labels ?? {}).every(([k, v]) => have[k] === v);
}
