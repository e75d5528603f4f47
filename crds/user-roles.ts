// The user-facing ClusterRoles of the API (scientist, viewer, admin) and the one cluster-wide
// binding every signed-in user needs: reading the catalogue and the quotas.
import { ADMINS_GROUP, GROUP } from './group.ts';
import { KINDS } from './kinds.ts';

export { ADMINS_GROUP };

export const SCIENTIST_ROLE = 'daas-scientist';
export const VIEWER_ROLE = 'daas-viewer';
export const ADMIN_ROLE = 'daas-admin';
export const CATALOGUE_READER_ROLE = 'daas-catalogue-reader';

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'update', 'patch', 'delete'];

interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

export interface ClusterRole {
  apiVersion: 'rbac.authorization.k8s.io/v1';
  kind: 'ClusterRole';
  metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string> };
  rules: PolicyRule[];
}

export interface ClusterRoleBinding {
  apiVersion: 'rbac.authorization.k8s.io/v1';
  kind: 'ClusterRoleBinding';
  metadata: { name: string; labels: Record<string, string> };
  roleRef: { apiGroup: 'rbac.authorization.k8s.io'; kind: 'ClusterRole'; name: string };
  subjects: { apiGroup: 'rbac.authorization.k8s.io'; kind: 'Group'; name: string }[];
}

const plural = (kind: string): string => {
  const found = KINDS.find((k) => k.kind === kind);
  if (!found) throw new Error(`unknown kind ${kind}`);
  return found.plural;
};
const SESSIONS = plural('AnalysisSession');
const IMAGES = plural('SessionImage');
const QUOTAS = plural('Quota');
const PART_OF = { 'app.kubernetes.io/part-of': 'daas-operator' };

function role(
  name: string,
  description: string,
  rules: PolicyRule[],
  aggregateTo: string[] = [],
): ClusterRole {
  const labels: Record<string, string> = { ...PART_OF };
  // Kubernetes' own view/edit/admin roles pick these up, so a namespace admin or editor of a proposal
  // namespace can manage its sessions without a second binding.
  for (const target of aggregateTo) labels[`rbac.authorization.k8s.io/aggregate-to-${target}`] = 'true';
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name, labels, annotations: { 'daas.calipsoplus.eu/description': description } },
    rules,
  };
}

/** The roles, in the order they are rendered. */
export const USER_ROLES: ClusterRole[] = [
  role(
    SCIENTIST_ROLE,
    'Bind in a proposal namespace (RoleBinding) to its members: they create, read, change and delete sessions there. Admission policies make sure each user creates sessions only for themselves.',
    [
      { apiGroups: [GROUP], resources: [SESSIONS], verbs: [...READ, ...WRITE] },
      { apiGroups: [GROUP], resources: [`${SESSIONS}/status`], verbs: ['get'] },
      { apiGroups: [''], resources: ['events'], verbs: READ },
    ],
    ['edit', 'admin'],
  ),
  role(
    VIEWER_ROLE,
    'Bind in a proposal namespace to people who may follow its sessions without changing them.',
    [
      { apiGroups: [GROUP], resources: [SESSIONS, `${SESSIONS}/status`], verbs: READ },
      { apiGroups: [''], resources: ['events'], verbs: READ },
    ],
    ['view'],
  ),
  role(
    ADMIN_ROLE,
    `Bound cluster-wide to the group ${ADMINS_GROUP}: the catalogue, quotas and every session.`,
    [
      { apiGroups: [GROUP], resources: ['*'], verbs: [...READ, ...WRITE, 'deletecollection'] },
      { apiGroups: [''], resources: ['namespaces', 'nodes', 'events'], verbs: READ },
      { apiGroups: [''], resources: ['pods'], verbs: READ },
    ],
  ),
  role(
    CATALOGUE_READER_ROLE,
    'Bound cluster-wide to every signed-in user: the catalogue of images and the quotas are public to them.',
    [{ apiGroups: [GROUP], resources: [IMAGES, QUOTAS], verbs: READ }],
  ),
];

function clusterBinding(name: string, roleName: string, group: string): ClusterRoleBinding {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name, labels: { ...PART_OF } },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: group }],
  };
}

/** The cluster-wide bindings: admins administer, every signed-in user reads the catalogue. */
export const USER_ROLE_BINDINGS: ClusterRoleBinding[] = [
  clusterBinding(ADMIN_ROLE, ADMIN_ROLE, ADMINS_GROUP),
  clusterBinding(CATALOGUE_READER_ROLE, CATALOGUE_READER_ROLE, 'system:authenticated'),
];
