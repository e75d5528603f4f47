// The least privilege of each component: exactly the verbs on the resources its code uses, as plain
// rule lists (tests drop one rule and expect the component to be refused).
import { GROUP } from '../../crds/group.ts';

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
  { apiGroups: [''], resources: ['pods'], verbs: READ },
  // Apart, so that a test can take exactly this away: starting and stopping session pods.
  { apiGroups: [''], resources: ['pods'], verbs: ['create', 'update', 'patch', 'delete'] },
  { apiGroups: [''], resources: ['secrets', 'persistentvolumeclaims'], verbs: MANAGE },
  { apiGroups: [''], resources: ['persistentvolumes'], verbs: MANAGE },
  { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: MANAGE },
  // VM sessions (--virtual-machines): the operator writes VirtualMachines and reads their instances.
  { apiGroups: ['kubevirt.io'], resources: ['virtualmachines'], verbs: MANAGE },
  { apiGroups: ['kubevirt.io'], resources: ['virtualmachineinstances'], verbs: READ },
  { apiGroups: [''], resources: ['namespaces', 'nodes'], verbs: READ },
  { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
];

/** In its own namespace only: the leader election Lease. */
export const OPERATOR_NAMESPACE_RULES: PolicyRule[] = [
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
];

/** Cluster-wide: the gateway checks callers and reads sessions and their credentials. */
export const DASHBOARD_RULES: PolicyRule[] = [
  { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
  { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
  { apiGroups: [GROUP], resources: ['analysissessions', 'sessionimages'], verbs: READ },
  { apiGroups: [''], resources: ['secrets'], verbs: ['get'] },
];

/** In its own namespace only: the ticket keys. */
export const DASHBOARD_NAMESPACE_RULES: PolicyRule[] = [
  { apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['daas-gateway-ticket-keys'] },
];
