// The cdk8s chart of the API's CustomResourceDefinitions. It has no namespace on purpose: cdk8s
// would stamp a chart's namespace onto these cluster-scoped objects.
import { ApiObject, App, Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { KINDS } from '../crds/kinds.ts';
import { buildCrd } from '../crds/openapi/crd.ts';
import { ADMISSION_POLICIES, denyBinding } from '../crds/admission-policies.ts';
import { USER_ROLE_BINDINGS, USER_ROLES } from '../crds/user-roles.ts';

export class CrdsChart extends Chart {
  constructor(scope: Construct, id: string) {
    super(scope, id, { disableResourceNameHashes: true });
    for (const kind of KINDS) {
      const crd = buildCrd(kind) as { apiVersion: string; kind: string; metadata: object; spec: object };
      new ApiObject(this, kind.plural, crd);
    }
  }
}

/** The admission policies for sessions and their bindings (cluster-scoped too, so no namespace). */
export class AdmissionPoliciesChart extends Chart {
  constructor(scope: Construct, id: string) {
    super(scope, id, { disableResourceNameHashes: true });
    for (const policy of ADMISSION_POLICIES) {
      new ApiObject(this, policy.metadata.name, policy);
      new ApiObject(this, `${policy.metadata.name}-binding`, denyBinding(policy.metadata.name));
    }
  }
}

/** The user-facing ClusterRoles and the cluster-wide bindings every site needs. */
export class UserRolesChart extends Chart {
  constructor(scope: Construct, id: string) {
    super(scope, id, { disableResourceNameHashes: true });
    for (const role of USER_ROLES) new ApiObject(this, `role-${role.metadata.name}`, role);
    for (const binding of USER_ROLE_BINDINGS)
      new ApiObject(this, `binding-${binding.metadata.name}`, binding);
  }
}

type Manifest = Record<string, unknown>;

/** Synthesises the CRDs in memory: one manifest object per kind, in KINDS order. */
export function synthCrds(): Manifest[] {
  return new CrdsChart(new App(), 'crds').toJson() as Manifest[];
}

/** Synthesises the admission policies and bindings in memory. */
export function synthAdmissionPolicies(): Manifest[] {
  return new AdmissionPoliciesChart(new App(), 'admission-policies').toJson() as Manifest[];
}

/** Synthesises the user-facing roles and their cluster-wide bindings in memory. */
export function synthUserRoles(): Manifest[] {
  return new UserRolesChart(new App(), 'user-roles').toJson() as Manifest[];
}
