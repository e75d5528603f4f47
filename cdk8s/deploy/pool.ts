// The warm pool namespace (ADR 0024) and the operator's rights there: pool VMs wait in it, booted for
// nobody, and stay in it once a session claims them. Not pod-security restricted: KubeVirt's
// virt-launcher pods need what KubeVirt's own namespaces allow.
import { componentLabels, OPERATOR, POOL_NAMESPACE, SYSTEM_NAMESPACE } from './names.ts';
import { OPERATOR_POOL_RULES } from './rbac.ts';

type Manifest = Record<string, unknown>;

export const poolNamespace: Manifest = {
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name: POOL_NAMESPACE, labels: componentLabels('daas-pool') },
};

export function poolManifests(): Manifest[] {
  const name = `${OPERATOR}-pool`;
  const metadata = { name, namespace: POOL_NAMESPACE, labels: componentLabels(OPERATOR) };
  const rbac = 'rbac.authorization.k8s.io/v1';
  return [
    { apiVersion: rbac, kind: 'Role', metadata, rules: OPERATOR_POOL_RULES },
    {
      apiVersion: rbac,
      kind: 'RoleBinding',
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name: OPERATOR, namespace: SYSTEM_NAMESPACE }],
    },
  ];
}
