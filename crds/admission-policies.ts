// ValidatingAdmissionPolicies for the two session rules that need more than the object itself but
// can still be decided at admission: the namespace's proposal label and the requesting user.
// Refusing them up front beats a session that fails later; the operator still re-checks.
import { ADMINS_GROUP, GROUP } from './group.ts';
import { PROPOSAL_LABEL } from './labels.ts';

/** Groups whose members may create sessions for other users. */
export const SESSION_ADMIN_GROUPS = ['system:masters', ADMINS_GROUP, 'system:serviceaccounts:daas-system'];

const sessionsOnCreate = {
  resourceRules: [
    { apiGroups: [GROUP], apiVersions: ['*'], operations: ['CREATE'], resources: ['analysissessions'] },
  ],
};

const labels = 'namespaceObject.metadata.labels';
const hasProposalLabel = `has(${labels}) && '${PROPOSAL_LABEL}' in ${labels}`;

interface PolicyValidation {
  expression: string;
  messageExpression: string;
  reason: 'Forbidden' | 'Invalid';
}

/** A ValidatingAdmissionPolicy on session creation; a failing check refuses the request. */
function sessionCreatePolicy(name: string, validations: PolicyValidation[]) {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name },
    spec: { failurePolicy: 'Fail', matchConstraints: sessionsOnCreate, validations },
  };
}

export const proposalNamespacePolicy = sessionCreatePolicy('daas-session-proposal-namespace', [
  {
    expression: hasProposalLabel,
    messageExpression: `'metadata.namespace: ' + namespaceObject.metadata.name + ' is not a proposal namespace (it has no ${PROPOSAL_LABEL} label); create the session in the namespace of its proposal'`,
    reason: 'Forbidden',
  },
  {
    expression: `!(${hasProposalLabel}) || object.spec.proposal == ${labels}['${PROPOSAL_LABEL}']`,
    messageExpression: `'spec.proposal: must be ' + ${labels}['${PROPOSAL_LABEL}'] + ', the proposal of namespace ' + namespaceObject.metadata.name`,
    reason: 'Invalid',
  },
]);

export const sessionOwnerPolicy = sessionCreatePolicy('daas-session-owner', [
  {
    expression: `object.spec.owner == request.userInfo.username || request.userInfo.groups.exists(g, g in ${JSON.stringify(SESSION_ADMIN_GROUPS).replaceAll('"', "'")})`,
    messageExpression: `'spec.owner: must be ' + request.userInfo.username + ', the user creating the session (members of ${ADMINS_GROUP} may create sessions for others; portals should impersonate the user)'`,
    reason: 'Forbidden',
  },
]);

export const ADMISSION_POLICIES = [proposalNamespacePolicy, sessionOwnerPolicy];

/** Binds a policy so that violations are refused, in every namespace. */
export function denyBinding(policyName: string) {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name: policyName },
    spec: { policyName, validationActions: ['Deny'] },
  };
}
