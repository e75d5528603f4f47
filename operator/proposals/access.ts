// The proposal-access controller: in each proposal namespace, the RoleBindings that grant the
// operator and the dashboard their rights there (Secrets above all, which RBAC cannot grant
// cluster-wide only for labelled namespaces). The ClusterRoles they bind come with deploy/; the
// operator may bind only those two, and an admission policy lets it do so only in proposal
// namespaces. Bindings edited or deleted by hand are restored; converged, it writes nothing.
import { z } from 'zod';
import { ACCESS_LABEL, PROPOSAL_LABEL } from '../../crds/index.ts';
import type { OperatorContext } from '../../runtime/app.ts';
import { apply } from '../../runtime/apply.ts';
import { dnsSubdomain } from '../../runtime/config.ts';
import type { Controller } from '../../runtime/controller.ts';
import type { Manager } from '../../runtime/manager.ts';
import type { NamespaceSet } from '../../runtime/namespace-access.ts';
import { isNotFound } from '../../runtime/errors.ts';
import { jsonEqual } from '../../runtime/equal.ts';
import { Namespaces, RoleBindings, objectPath, type KubeObject } from '../../runtime/resources.ts';
import { sessionConfigSchema } from '../sessions/config.ts';

/** The ClusterRoles bound in each proposal namespace (rendered into deploy/ by cdk8s/deploy/rbac.ts). */
export const PROPOSAL_ROLES = {
  operator: 'daas-operator-proposal',
  dashboard: 'daas-dashboard-proposal',
} as const;
export type AccessComponent = keyof typeof PROPOSAL_ROLES;
/** Selects the bindings that grant the operator itself access (its Secret caches follow them). */
export const OPERATOR_ACCESS_SELECTOR = `${ACCESS_LABEL}=operator`;

/**
 * The proposal namespaces where the operator's access is in force: its RoleBinding exists and the
 * API server says it may manage Secrets there (or the fixed `--namespaces`).
 */
export function operatorAccess(m: Manager): NamespaceSet {
  const bindings = m.cache(RoleBindings, { labelSelector: OPERATOR_ACCESS_SELECTOR });
  return m.namespaceAccess(bindings, { verb: 'create', resource: 'secrets' });
}

export const proposalAccessConfigSchema = z.object({
  // The same field objects as the session controller's: the merged configuration has them once.
  operatorNamespace: sessionConfigSchema.shape.operatorNamespace,
  gatewayNamespace: sessionConfigSchema.shape.gatewayNamespace,
  operatorServiceAccount: dnsSubdomain('expected a ServiceAccount name')
    .default('daas-operator')
    .describe(
      "the operator's ServiceAccount (in --operator-namespace), granted its rights in each proposal namespace",
    ),
  gatewayServiceAccount: dnsSubdomain('expected a ServiceAccount name')
    .default('daas-dashboard')
    .describe(
      "the dashboard's ServiceAccount (in --gateway-namespace), granted reading session Secrets in each proposal namespace",
    ),
});
export type ProposalAccessConfig = z.output<typeof proposalAccessConfigSchema>;

/** The RoleBindings of one proposal namespace: deterministic names, one per component. */
export function proposalAccessBindings(namespace: string, c: ProposalAccessConfig): KubeObject[] {
  const subjects: Record<AccessComponent, { namespace: string; name: string }> = {
    operator: { namespace: c.operatorNamespace, name: c.operatorServiceAccount },
    dashboard: { namespace: c.gatewayNamespace, name: c.gatewayServiceAccount },
  };
  return (Object.keys(PROPOSAL_ROLES) as AccessComponent[]).map((component) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: {
      name: `daas-${component}-access`,
      namespace,
      labels: { [ACCESS_LABEL]: component, 'app.kubernetes.io/managed-by': 'daas-operator' },
    },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: PROPOSAL_ROLES[component] },
    subjects: [{ kind: 'ServiceAccount', ...subjects[component] }],
  }));
}

/** Whether a live binding grants what the desired one grants (the fields this controller owns). */
export function bindingMatches(live: KubeObject | undefined, desired: KubeObject): boolean {
  return (
    live !== undefined &&
    jsonEqual(live.roleRef, desired.roleRef) &&
    jsonEqual(live.subjects, desired.subjects) &&
    live.metadata.labels?.[ACCESS_LABEL] === desired.metadata.labels?.[ACCESS_LABEL]
  );
}

export function registerProposalAccessController(
  ctx: OperatorContext,
  config: ProposalAccessConfig,
  options: { workers?: number } = {},
): Controller {
  const m = ctx.manager;
  const proposals = { labelSelector: PROPOSAL_LABEL };
  const bindings = { labelSelector: ACCESS_LABEL };
  const namespaces = m.cache(Namespaces, proposals);
  const live = m.cache(RoleBindings, bindings);
  return m.controller({
    name: 'proposalaccess',
    for: Namespaces,
    forSelectors: proposals,
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    watches: [{ type: RoleBindings, selectors: bindings, map: (binding) => binding.metadata.namespace }],
    reconcile: async (req) => {
      const namespace = namespaces.get(req.name);
      if (!namespace || namespace.metadata.deletionTimestamp) return undefined;
      // An operator limited to some namespaces (--namespaces) grants itself nothing elsewhere.
      if (!m.watches(req.name)) return undefined;
      for (const desired of proposalAccessBindings(req.name, config)) {
        const name = desired.metadata.name ?? '';
        const current = live.get(`${req.name}/${name}`);
        if (bindingMatches(current, desired)) continue;
        // roleRef cannot change in place: a binding to another role is replaced.
        if (current && !jsonEqual(current.roleRef, desired.roleRef)) {
          await ctx.client
            .request('DELETE', objectPath(RoleBindings, req.name, name))
            .catch((err: unknown) => {
              if (!isNotFound(err)) throw err;
            });
        }
        await apply(ctx.client, RoleBindings, desired);
      }
      return undefined;
    },
  });
}
