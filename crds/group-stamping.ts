// The groups of the user who creates a session, stamped into the session at admission by a
// MutatingAdmissionPolicy (admissionregistration.k8s.io/v1beta1, Kubernetes 1.34 with the
// MutatingAdmissionPolicy feature gate and that API version turned on): group quotas count
// sessions by these groups, never by a field the user writes. Whatever the user put in the
// annotation is overwritten on create, and the daas-session-changes-by-owner policy keeps it as
// it was stamped. Shipped in crds/optional/, since `kubectl apply -f crds/` must also work on
// clusters without the API: there the annotation is not stamped and group quotas do not apply.
import { GROUP } from './group.ts';
import { GROUPS_ANNOTATION } from './labels.ts';

export const MUTATING_API_VERSION = 'admissionregistration.k8s.io/v1beta1';
export const GROUP_STAMPING_POLICY = 'daas-session-groups';

export const groupStampingPolicy = {
  apiVersion: MUTATING_API_VERSION,
  kind: 'MutatingAdmissionPolicy',
  metadata: { name: GROUP_STAMPING_POLICY },
  spec: {
    failurePolicy: 'Fail',
    reinvocationPolicy: 'Never',
    matchConstraints: {
      resourceRules: [
        { apiGroups: [GROUP], apiVersions: ['*'], operations: ['CREATE'], resources: ['analysissessions'] },
      ],
    },
    // Only for the owner's own sessions: the groups of an admin creating a session for someone else
    // say nothing about the owner (the owner policy lets only admins do that; they may set it).
    // (A session without an owner is left to the schema, which refuses it naming the field.)
    matchConditions: [
      {
        name: 'created-by-owner',
        expression:
          'has(object.spec) && has(object.spec.owner) && request.userInfo.username == object.spec.owner',
      },
    ],
    mutations: [
      {
        patchType: 'ApplyConfiguration',
        applyConfiguration: {
          expression: `Object{metadata: Object.metadata{annotations: {'${GROUPS_ANNOTATION}': request.userInfo.groups.join(',')}}}`,
        },
      },
    ],
  },
};

export const groupStampingBinding = {
  apiVersion: MUTATING_API_VERSION,
  kind: 'MutatingAdmissionPolicyBinding',
  metadata: { name: GROUP_STAMPING_POLICY },
  spec: { policyName: GROUP_STAMPING_POLICY },
};
