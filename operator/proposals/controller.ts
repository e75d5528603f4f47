// The proposal-data controller: one job. A proposal's data claims belong to its namespace and go with
// it, but their PersistentVolumes are cluster-scoped (Retain: the data itself is never touched); once
// the namespace is gone, this deletes them. A namespace that still exists (terminating, or no longer
// labelled as a proposal) keeps its volumes.
import { DATA_LABEL, PROPOSAL_LABEL, SESSION_NAMESPACE_LABEL } from '../../crds/index.ts';
import type { OperatorContext } from '../../runtime/app.ts';
import type { Controller } from '../../runtime/controller.ts';
import { isConflict, isNotFound } from '../../runtime/errors.ts';
import { Namespaces, PersistentVolumes, objectPath, type KubeObject } from '../../runtime/resources.ts';

/** How often a terminating namespace is looked at again until it is gone. */
const TERMINATING_RECHECK_MS = 5000;

export function registerProposalDataController(
  ctx: OperatorContext,
  options: { workers?: number } = {},
): Controller {
  const m = ctx.manager;
  const proposals = { labelSelector: PROPOSAL_LABEL };
  const data = { labelSelector: DATA_LABEL };
  const namespaces = m.cache(Namespaces, proposals);
  const volumes = m.cache(PersistentVolumes, data);
  const client = ctx.client;
  return m.controller({
    name: 'proposaldata',
    for: Namespaces,
    forSelectors: proposals,
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    watches: [
      {
        type: PersistentVolumes,
        selectors: data,
        map: (pv) => pv.metadata.labels?.[SESSION_NAMESPACE_LABEL],
      },
    ],
    reconcile: async (req) => {
      const cached = namespaces.get(req.name);
      if (cached && !cached.metadata.deletionTimestamp) return undefined;
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
