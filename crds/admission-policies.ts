// ValidatingAdmissionPolicies for the two session rules that need more than the object itself but
// can still be decided at admission: the namespace's proposal label and the requesting user.
// Refusing them up front beats a session that fails later; the operator still re-checks.
import { ADMINS_GROUP, GROUP } from './group.ts';
import { GROUPS_ANNOTATION, PROPOSAL_ANNOTATIONS, PROPOSAL_LABEL } from './labels.ts';

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

const isAdmin = `request.userInfo.groups.exists(g, g in ${JSON.stringify(SESSION_ADMIN_GROUPS).replaceAll('"', "'")})`;
/** Kubernetes' own components (the namespace controller, the garbage collector) act as system: users. */
const isSystem = "request.userInfo.username.startsWith('system:')";

/**
 * Image availability, for every writer (kubectl, portals, GitOps), on create and whenever spec.image
 * changes: the SessionImages are the parameters (the binding selects them all), so the policy is
 * evaluated once per image and only the session's own image can refuse. Admins and the operator
 * create sessions for others, so their own groups say nothing: they are let through.
 */
const a = 'params.spec.availability';
const has = (field: string) => `has(${a}.${field})`;
const beamline = `namespaceObject.metadata.annotations['${PROPOSAL_ANNOTATIONS.beamline}']`;
const hasBeamline = `has(namespaceObject.metadata.annotations) && '${PROPOSAL_ANNOTATIONS.beamline}' in namespaceObject.metadata.annotations`;
const notThisImage =
  "params.metadata.name != object.spec.image || (request.operation == 'UPDATE' && oldObject.spec.image == object.spec.image)";
const allowedBy = [
  `(${has('everyone')} && ${a}.everyone)`,
  `(${has('groups')} && ${a}.groups.exists(g, g in request.userInfo.groups))`,
  `(${has('proposals')} && object.spec.proposal in ${a}.proposals)`,
  `(${has('beamlines')} && ${hasBeamline} && ${beamline} in ${a}.beamlines)`,
].join(' || ');
const rule = (field: string, words: string) =>
  `(${has(field)} && size(${a}.${field}) > 0 ? ' ${words} ' + ${a}.${field}.join(', ') + ';' : '')`;

export const imageAvailabilityPolicy = {
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'ValidatingAdmissionPolicy',
  metadata: { name: 'daas-session-image-availability' },
  spec: {
    // Ignore, not Fail: the API server resolves a CRD paramKind through discovery, which lags up to
    // 30 s behind a new CRD and can fail after a restart (kubernetes/kubernetes#124237, #141367);
    // with Fail, every session (admins' too) would be refused meanwhile. Only that configuration
    // error lets a request through: a rule that evaluates to false always refuses, and the operator
    // still refuses images not available to the session's proposal or beamline.
    failurePolicy: 'Ignore',
    paramKind: { apiVersion: `${GROUP}/v1alpha1`, kind: 'SessionImage' },
    matchConstraints: {
      resourceRules: [
        {
          apiGroups: [GROUP],
          apiVersions: ['*'],
          operations: ['CREATE', 'UPDATE'],
          resources: ['analysissessions'],
        },
      ],
    },
    validations: [
      {
        expression: `${notThisImage} || ${isAdmin} || (has(${a}) && (${allowedBy}))`,
        messageExpression: `'spec.image: the image ' + params.metadata.name + ' is not available to ' + request.userInfo.username + ' in proposal ' + object.spec.proposal + ' (its availability:' + (has(${a}) && ${has('everyone')} && ${a}.everyone ? ' everyone;' : '') + ${rule('groups', 'members of the groups')} + ${rule('proposals', 'the proposals')} + ${rule('beamlines', 'proposals at the beamlines')} + ' nobody else); pick another image or ask an admin'`,
        reason: 'Forbidden',
      },
      {
        expression: `${notThisImage} || ${isAdmin} || !has(params.spec.disabled) || !params.spec.disabled`,
        messageExpression: `'spec.image: the image ' + params.metadata.name + ' is retired (spec.disabled) and takes no new sessions; pick another image'`,
        reason: 'Forbidden',
      },
    ],
  },
};

/**
 * Only the owner changes or deletes a session: the members of its proposal (and the users it is
 * shared with) may read it and connect, admins and Kubernetes' own components may do anything.
 */
export const sessionChangesPolicy = {
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'ValidatingAdmissionPolicy',
  metadata: { name: 'daas-session-changes-by-owner' },
  spec: {
    failurePolicy: 'Fail',
    matchConstraints: {
      resourceRules: [
        {
          apiGroups: [GROUP],
          apiVersions: ['*'],
          operations: ['UPDATE', 'DELETE'],
          resources: ['analysissessions'],
        },
      ],
    },
    validations: [
      {
        expression: `request.userInfo.username == oldObject.spec.owner || ${isAdmin} || ${isSystem}`,
        messageExpression: `'only ' + oldObject.spec.owner + ', the owner of session ' + oldObject.metadata.name + ', may change or delete it' + (has(oldObject.spec.sharedWith) && request.userInfo.username in oldObject.spec.sharedWith ? ': it is shared with ' + request.userInfo.username + ' to read and connect to' : '')`,
        reason: 'Forbidden',
      },
      {
        // The groups stamped at creation (operator/quotas/ counts group quotas by them) never change.
        expression: `request.operation == 'DELETE' || ${isAdmin} || ${isSystem} || (has(oldObject.metadata.annotations) && '${GROUPS_ANNOTATION}' in oldObject.metadata.annotations ? has(object.metadata.annotations) && '${GROUPS_ANNOTATION}' in object.metadata.annotations && object.metadata.annotations['${GROUPS_ANNOTATION}'] == oldObject.metadata.annotations['${GROUPS_ANNOTATION}'] : !has(object.metadata.annotations) || !('${GROUPS_ANNOTATION}' in object.metadata.annotations))`,
        messageExpression: `'metadata.annotations[${GROUPS_ANNOTATION}]: the groups are stamped when the session is created and cannot be changed'`,
        reason: 'Forbidden',
      },
    ],
  },
};

export const ADMISSION_POLICIES = [
  proposalNamespacePolicy,
  sessionOwnerPolicy,
  imageAvailabilityPolicy,
  sessionChangesPolicy,
];

/** The parameters of the policies that take some: every SessionImage for the availability policy. */
const PARAM_REFS: Record<string, { selector: object; parameterNotFoundAction: 'Allow' }> = {
  [imageAvailabilityPolicy.metadata.name]: { selector: {}, parameterNotFoundAction: 'Allow' },
};

/** Binds a policy so that violations are refused, in every namespace. */
export function denyBinding(policyName: string) {
  const paramRef = PARAM_REFS[policyName];
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name: policyName },
    spec: { policyName, validationActions: ['Deny'], ...(paramRef ? { paramRef } : {}) },
  };
}
