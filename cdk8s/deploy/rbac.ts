// The least privilege of each component: exactly the verbs on the resources its code uses, as plain
// rule lists (tests drop one rule and expect the component to be refused).
import { GROUP } from '../../crds/group.ts';
import { PROPOSAL_ROLES } from '../../operator/proposals/access.ts';
import { GUACAMOLE_SECRET, SESSION_KEYS_SECRET, TICKET_KEYS_SECRET } from './names.ts';

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

const READ = ['get', 'list', 'watch'];
const MANAGE = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];

/** Cluster-wide: the operator reconciles sessions in every proposal namespace. */
export const OPERATOR_RULES: PolicyRule[] = [
  { apiGroups: [GROUP], resources: ['analysissessions'], verbs: ['get', 'list', 'watch', 'update', 'patch'] },
  {
    apiGroups: [GROUP],
    resources: ['analysissessions/status', 'sessionimages/status', 'quotas/status'],
    verbs: ['get', 'update', 'patch'],
  },
  // Owner references with blockOwnerDeletion need update on the owner's finalizers subresource.
  { apiGroups: [GROUP], resources: ['analysissessions/finalizers'], verbs: ['update'] },
  { apiGroups: [GROUP], resources: ['sessionimages', 'quotas'], verbs: READ },
  // Read everywhere (the caches watch them cluster-wide); written only where a proposal namespace's
  // RoleBinding grants it (OPERATOR_PROPOSAL_RULES). No Secrets here at all.
  { apiGroups: [''], resources: ['pods', 'persistentvolumeclaims'], verbs: READ },
  { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: READ },
  { apiGroups: [''], resources: ['persistentvolumes'], verbs: MANAGE },
  // VM sessions (--virtual-machines): the operator reads VirtualMachines and their instances here
  // and writes VirtualMachines only in proposal namespaces (OPERATOR_PROPOSAL_RULES).
  { apiGroups: ['kubevirt.io'], resources: ['virtualmachines', 'virtualmachineinstances'], verbs: READ },
  { apiGroups: [''], resources: ['namespaces', 'nodes'], verbs: READ },
  { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
  // The RoleBindings of proposal namespaces (operator/proposals/access.ts), binding only the two
  // proposal roles; an admission policy (PROPOSAL_BINDINGS_POLICY) confines them to proposal namespaces.
  { apiGroups: ['rbac.authorization.k8s.io'], resources: ['rolebindings'], verbs: MANAGE },
  {
    apiGroups: ['rbac.authorization.k8s.io'],
    resources: ['clusterroles'],
    verbs: ['bind'],
    resourceNames: [PROPOSAL_ROLES.operator, PROPOSAL_ROLES.dashboard],
  },
];

/** Bound in each proposal namespace: what the operator writes there. */
export const OPERATOR_PROPOSAL_RULES: PolicyRule[] = [
  { apiGroups: [''], resources: ['secrets'], verbs: MANAGE },
  // Apart, so that a test can take exactly this away: starting and stopping session pods.
  { apiGroups: [''], resources: ['pods'], verbs: ['create', 'update', 'patch', 'delete'] },
  { apiGroups: [''], resources: ['persistentvolumeclaims'], verbs: ['create', 'update', 'patch', 'delete'] },
  { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['create', 'update', 'patch', 'delete'] },
  { apiGroups: ['kubevirt.io'], resources: ['virtualmachines'], verbs: ['create', 'update', 'patch', 'delete'] },
];

/**
 * In the warm pool namespace only (ADR 0024): the pool VMs, their two Secrets (the claimed session's
 * credentials go there), the image's NetworkPolicy. Instances are read cluster-wide (above).
 */
export const OPERATOR_POOL_RULES: PolicyRule[] = [
  { apiGroups: ['kubevirt.io'], resources: ['virtualmachines'], verbs: MANAGE },
  { apiGroups: [''], resources: ['secrets'], verbs: MANAGE },
  { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['create', 'update', 'patch', 'delete'] },
];

/** Bound in each proposal namespace: the session credentials the gateway reads, by name. */
export const DASHBOARD_PROPOSAL_RULES: PolicyRule[] = [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }];

/** In its own namespace only: the leader election Lease, and Guacamole's admin credentials. */
export const OPERATOR_NAMESPACE_RULES: PolicyRule[] = [
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
  { apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: [GUACAMOLE_SECRET] },
];

/**
 * Cluster-wide: the dashboard's caches, the embedded gateway's token and access reviews, and acting
 * as the signed-in user (impersonation: RBAC, validation and admission then decide every write).
 */
export const DASHBOARD_RULES: PolicyRule[] = [
  { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
  { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
  { apiGroups: [GROUP], resources: ['analysissessions', 'sessionimages', 'quotas'], verbs: READ },
  { apiGroups: [''], resources: ['namespaces', 'nodes', 'pods'], verbs: READ },
  { apiGroups: [''], resources: ['users', 'groups'], verbs: ['impersonate'] },
];

/** In its own namespace only: the ticket and cookie keys, and the users' favorites. */
export const DASHBOARD_NAMESPACE_RULES: PolicyRule[] = [
  {
    apiGroups: [''],
    resources: ['secrets'],
    verbs: ['get'],
    resourceNames: [TICKET_KEYS_SECRET, SESSION_KEYS_SECRET],
  },
  { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'create', 'patch'] },
];
