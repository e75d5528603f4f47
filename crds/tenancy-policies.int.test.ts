// Tenancy that Kubernetes enforces, whoever writes the session (kubectl, a portal, GitOps), acting as
// users through impersonation on the real API server with the shipped roles and admission policies:
// non-members cannot create sessions in a proposal namespace; an image restricted to a group is
// refused for a user outside it, on create and when spec.image changes, naming the image and the
// rule; a retired image takes no new sessions; a user a session is shared with reads it but cannot
// change or delete it.
import { randomBytes } from 'node:crypto';
import { CustomObjectsApi, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { inject } from 'vitest';
import { ApiError } from '../runtime/errors.ts';
import { fromFile } from '../runtime/kubeconfig.ts';
import { RestClient } from '../runtime/rest.ts';
import { createTestNamespace, eventually, testKubeConfig } from '../testing/kube.ts';
import { analysisSessionObject, sessionImageObject } from '../testing/objects.ts';
import { GROUP, PROPOSAL_LABEL, VERSION } from './index.ts';
import { installCrds } from './testing/api-server.ts';

const kc = testKubeConfig();
const custom = kc.makeApiClient(CustomObjectsApi);
const suffix = randomBytes(3).toString('hex');
const proposal = `TN-${suffix}`;
const owner = `olga-${suffix}`;
const colleague = `victor-${suffix}`;
const group = `matlab-${suffix}`;
const images = { open: `t-open-${suffix}`, group: `t-group-${suffix}`, retired: `t-retired-${suffix}` };
let admin: RestClient;
let ns: { name: string; remove: () => Promise<void> };

const sessionsPath = () => `/apis/${GROUP}/${VERSION}/namespaces/${ns.name}/analysissessions`;

function as(user: string, groups: string[] = []) {
  return { 'Impersonate-User': user, ...(groups.length ? { 'Impersonate-Group': groups } : {}) };
}

async function create(user: string, name: string, spec: Record<string, unknown>, groups: string[] = []) {
  return admin.request('POST', sessionsPath(), {
    body: analysisSessionObject(name, { owner: user, proposal, ...spec }),
    headers: as(user, groups),
  });
}

async function refusal(request: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await request;
  } catch (err) {
    if (err instanceof ApiError) return { code: err.statusCode, message: err.status?.message ?? err.message };
    throw err;
  }
  throw new Error('the API server accepted a request that should have been refused');
}

beforeAll(async () => {
  admin = new RestClient(fromFile(inject('kubeconfig')));
  await installCrds();
  ns = await createTestNamespace(kc, 'tenancy', { [PROPOSAL_LABEL]: proposal });
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  await rbac.createNamespacedRoleBinding({
    namespace: ns.name,
    body: {
      metadata: { name: 'daas-members' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'daas-scientist' },
      subjects: [owner, colleague].map((name) => ({
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'User',
        name,
      })),
    },
  });
  const image = (name: string, spec: Record<string, unknown>) =>
    custom.createClusterCustomObject({
      group: GROUP,
      version: VERSION,
      plural: 'sessionimages',
      body: sessionImageObject(name, spec),
    });
  await image(images.open, {});
  await image(images.group, { availability: { groups: [group] } });
  await image(images.retired, { disabled: true });
  // Policies, bindings and new parameters take effect asynchronously: wait for the first refusal.
  await eventually(
    'the image availability policy to see the new images',
    async () => {
      const refused = await admin
        .request('POST', sessionsPath(), {
          body: analysisSessionObject(`probe-${suffix}`, { owner, proposal, image: images.group }),
          headers: as(owner),
          query: { dryRun: 'All' },
        })
        .then(
          () => false,
          () => true,
        );
      return refused ? true : undefined;
    },
    30_000,
    250,
  );
}, 120_000);

afterAll(async () => {
  for (const name of Object.values(images)) {
    await custom
      .deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: 'sessionimages', name })
      .catch(() => undefined);
  }
  await ns.remove();
  admin.close();
});

describe('tenancy', () => {
  test('a user who is not a member of the proposal cannot create a session there', async () => {
    const stranger = `mallory-${suffix}`;
    const { code, message } = await refusal(create(stranger, 'intruder', { image: images.open }));
    expect(code).toBe(403);
    expect(message).toContain(`User "${stranger}" cannot create resource "analysissessions"`);
  });

  test('an image restricted to a group is refused for a user outside it, naming the image and the rule', async () => {
    const { code, message } = await refusal(create(owner, 'matlab', { image: images.group }));
    expect(code).toBe(403);
    expect(message).toContain(
      `spec.image: the image ${images.group} is not available to ${owner} in proposal ${proposal} (its availability: members of the groups ${group}; nobody else); pick another image or ask an admin`,
    );
    // A member of the group may.
    await create(owner, 'matlab', { image: images.group }, [group]);
  });

  test('switching a session to an image the user may not use is refused; other changes are not', async () => {
    await create(owner, 'switch', { image: images.open });
    const patch = (spec: Record<string, unknown>, user = owner) =>
      admin.request('PATCH', `${sessionsPath()}/switch`, {
        body: { spec },
        contentType: 'application/merge-patch+json',
        headers: as(user),
      });
    const { message } = await refusal(patch({ image: images.group }));
    expect(message).toContain(`spec.image: the image ${images.group} is not available to ${owner}`);
    await patch({ state: 'Stopped' });
  });

  test('a retired image takes no new sessions', async () => {
    const { message } = await refusal(create(owner, 'old', { image: images.retired }));
    expect(message).toContain(`spec.image: the image ${images.retired} is retired (spec.disabled)`);
  });

  test('a user a session is shared with may read it, but not change or delete it', async () => {
    await create(owner, 'shared', { image: images.open, sharedWith: [colleague] });
    const path = `${sessionsPath()}/shared`;
    const read = await admin.request<{ spec: { owner: string } }>('GET', path, { headers: as(colleague) });
    expect(read.spec.owner).toBe(owner);
    const change = await refusal(
      admin.request('PATCH', path, {
        body: { spec: { state: 'Stopped' } },
        contentType: 'application/merge-patch+json',
        headers: as(colleague),
      }),
    );
    expect(change.message).toContain(
      `only ${owner}, the owner of session shared, may change or delete it: it is shared with ${colleague} to read and connect to`,
    );
    const remove = await refusal(admin.request('DELETE', path, { headers: as(colleague) }));
    expect(remove.code).toBe(403);
    // The owner may.
    await admin.request('DELETE', path, { headers: as(owner) });
  });
});
