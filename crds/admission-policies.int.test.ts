// The session admission policies on the real API server, with real RBAC and impersonated users.
// installCrds applies crds/, so the shipped policies and their cluster-wide bindings are installed;
// this file also binds the policies to its own namespaces, so it does not depend on those bindings.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { AdmissionregistrationV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { createTestNamespace, eventually, testKubeConfig } from '../testing/kube.ts';
import { ADMISSION_POLICIES, denyBinding } from './admission-policies.ts';
import { API_VERSION, GROUP, PROPOSAL_LABEL } from './kinds.ts';
import { createObject, installCrds, kubectl, refusal, type TypedObject } from './testing/api-server.ts';
import { INSTALL_FIELD_MANAGER } from '../tools/controlplane/crds.ts';

const kc = testKubeConfig();
const suffix = randomBytes(3).toString('hex');
const SCOPE_LABEL = 'daas.calipsoplus.eu/policy-test';
const USER = 'akowalska';
let proposalNamespace = '';
let plainNamespace = '';
let workDir = '';
const cleanups: (() => Promise<unknown>)[] = [];

function session(namespace: string, spec: Record<string, unknown> = {}): TypedObject {
  return {
    apiVersion: API_VERSION,
    kind: 'AnalysisSession',
    metadata: { name: `policy-${randomBytes(3).toString('hex')}`, namespace },
    spec: { image: 'jupyter-scipy', owner: USER, proposal: 'MX-2451', ...spec },
  };
}

/** Creates `object` with kubectl as `user` (impersonated), server-side dry run. */
async function createAs(user: string, object: TypedObject): Promise<string> {
  const file = join(workDir, `${object.metadata.name}.yaml`);
  await writeFile(file, stringify(object));
  return kubectl(`--as=${user}`, 'create', '--dry-run=server', '-f', file);
}

async function kubectlRefusal(request: Promise<string>): Promise<string> {
  try {
    await request;
  } catch (error) {
    return (error as { stderr?: string }).stderr ?? String(error);
  }
  throw new Error('the API server accepted an object that should have been refused');
}

async function allowUserToCreateSessions(namespace: string): Promise<void> {
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  const name = 'create-sessions';
  await rbac.createNamespacedRole({
    namespace,
    body: {
      metadata: { name },
      rules: [{ apiGroups: [GROUP], resources: ['analysissessions'], verbs: ['create', 'get', 'list'] }],
    },
  });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: USER }],
    },
  });
}

beforeAll(async () => {
  await installCrds();
  workDir = await mkdtemp(join(tmpdir(), 'daas-policy-'));
  const admission = kc.makeApiClient(AdmissionregistrationV1Api);
  for (const policy of ADMISSION_POLICIES) {
    const policyName = policy.metadata.name;
    const name = `${policyName}-test-${suffix}`;
    const { paramRef } = denyBinding(policyName).spec;
    await admission.createValidatingAdmissionPolicyBinding({
      body: {
        metadata: { name },
        spec: {
          policyName,
          validationActions: ['Deny'],
          // The same parameters as the shipped binding (the image availability policy takes the images).
          ...(paramRef ? { paramRef } : {}),
          matchResources: { namespaceSelector: { matchLabels: { [SCOPE_LABEL]: suffix } } },
        },
      },
    });
    cleanups.push(() => admission.deleteValidatingAdmissionPolicyBinding({ name }));
  }
  const proposal = await createTestNamespace(kc, 'api-policy', {
    [PROPOSAL_LABEL]: 'MX-2451',
    [SCOPE_LABEL]: suffix,
  });
  const plain = await createTestNamespace(kc, 'api-plain', { [SCOPE_LABEL]: suffix });
  proposalNamespace = proposal.name;
  plainNamespace = plain.name;
  cleanups.push(proposal.remove, plain.remove);
  await allowUserToCreateSessions(proposalNamespace);
  // Policies and bindings take effect asynchronously: wait until the first rule refuses.
  await eventually(
    'the admission policies to take effect',
    async () => {
      const refused = await createObject(kc, session(plainNamespace), 'Ignore', 'All').then(
        () => false,
        () => true,
      );
      return refused ? true : undefined;
    },
    30_000,
    250,
  );
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('session admission policies', () => {
  test('a session outside a proposal namespace is refused, naming the namespace', async () => {
    const message = await refusal(createObject(kc, session(plainNamespace), 'Ignore', 'All'));
    expect(message).toContain(`metadata.namespace: ${plainNamespace} is not a proposal namespace`);
  });

  test("a session for another proposal than the namespace's is refused, naming spec.proposal", async () => {
    const message = await refusal(
      createObject(kc, session(proposalNamespace, { proposal: 'MX-9999' }), 'Ignore', 'All'),
    );
    expect(message).toContain(
      `spec.proposal: must be MX-2451, the proposal of namespace ${proposalNamespace}`,
    );
  });

  test('a user cannot create a session owned by someone else', async () => {
    const message = await kubectlRefusal(createAs(USER, session(proposalNamespace, { owner: 'mallory' })));
    expect(message).toContain(`spec.owner: must be ${USER}, the user creating the session`);
  });

  test('a user can create their own session', async () => {
    const output = await createAs(USER, session(proposalNamespace));
    expect(output).toContain('created (server dry run)');
  });

  test('the shipped file, with its cluster-wide bindings, is accepted and its expressions type-check', async () => {
    const output = await kubectl(
      'apply',
      '--server-side',
      '--dry-run=server',
      `--field-manager=${INSTALL_FIELD_MANAGER}`,
      '-f',
      'crds/session-admission-policies.yaml',
    );
    expect(output).toContain(
      'validatingadmissionpolicybinding.admissionregistration.k8s.io/daas-session-owner',
    );
    const admission = kc.makeApiClient(AdmissionregistrationV1Api);
    for (const name of ADMISSION_POLICIES.map((p) => p.metadata.name)) {
      const checked = await eventually(`${name} type-checked`, async () => {
        const policy = await admission.readValidatingAdmissionPolicy({ name });
        return policy.status?.typeChecking;
      });
      expect(checked.expressionWarnings ?? []).toEqual([]);
    }
  });

  test('an admin (system:masters) may create a session for another user', async () => {
    const created = await createObject(kc, session(proposalNamespace, { owner: 'mallory' }), 'Ignore', 'All');
    expect(created.spec).toMatchObject({ owner: 'mallory' });
  });
});
