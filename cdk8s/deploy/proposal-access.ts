// What the operator's per-proposal RoleBindings (operator/proposals/access.ts) may grant: the two
// proposal roles, and an admission policy that lets the operator bind them only in proposal
// namespaces and only to the operator's and the dashboard's ServiceAccounts, so its right to bind
// cannot become a way to read Secrets anywhere else.
import { denyBinding } from '../../crds/admission-policies.ts';
import { PROPOSAL_LABEL } from '../../crds/labels.ts';
import { PROPOSAL_ROLES } from '../../operator/proposals/access.ts';
import { componentLabels, DASHBOARD, OPERATOR, SYSTEM_NAMESPACE } from './names.ts';
import { DASHBOARD_PROPOSAL_RULES, OPERATOR_PROPOSAL_RULES } from './rbac.ts';

type Manifest = Record<string, unknown>;

export const PROPOSAL_BINDINGS_POLICY = 'daas-operator-proposal-bindings';

const serviceAccount = (name: string) => `system:serviceaccount:${SYSTEM_NAMESPACE}:${name}`;

export function proposalAccessManifests(): Manifest[] {
  const roles = [OPERATOR, DASHBOARD].map((component, i) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: {
      name: i === 0 ? PROPOSAL_ROLES.operator : PROPOSAL_ROLES.dashboard,
      labels: componentLabels(component),
    },
    rules: i === 0 ? OPERATOR_PROPOSAL_RULES : DASHBOARD_PROPOSAL_RULES,
  }));
  const roleNames = `['${PROPOSAL_ROLES.operator}', '${PROPOSAL_ROLES.dashboard}']`;
  const accounts = `['${OPERATOR}', '${DASHBOARD}']`;
  const policy = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name: PROPOSAL_BINDINGS_POLICY },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: {
        resourceRules: [
          {
            apiGroups: ['rbac.authorization.k8s.io'],
            apiVersions: ['*'],
            operations: ['CREATE', 'UPDATE'],
            resources: ['rolebindings'],
          },
        ],
      },
      matchConditions: [
        { name: 'by-the-operator', expression: `request.userInfo.username == '${serviceAccount(OPERATOR)}'` },
      ],
      validations: [
        {
          expression: `has(namespaceObject.metadata.labels) && '${PROPOSAL_LABEL}' in namespaceObject.metadata.labels`,
          messageExpression: `'the operator binds roles only in proposal namespaces; ' + namespaceObject.metadata.name + ' has no ${PROPOSAL_LABEL} label'`,
        },
        {
          expression: `object.roleRef.kind == 'ClusterRole' && object.roleRef.name in ${roleNames}`,
          message: `the operator binds only the ClusterRoles ${PROPOSAL_ROLES.operator} and ${PROPOSAL_ROLES.dashboard}`,
        },
        {
          expression: `object.subjects.all(s, s.kind == 'ServiceAccount' && s.namespace == '${SYSTEM_NAMESPACE}' && s.name in ${accounts})`,
          message: `the operator binds roles only to the ServiceAccounts ${OPERATOR} and ${DASHBOARD} of ${SYSTEM_NAMESPACE}`,
        },
      ],
    },
  };
  return [...roles, policy, denyBinding(PROPOSAL_BINDINGS_POLICY)];
}
