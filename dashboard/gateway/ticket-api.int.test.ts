// The ticket API for portals on the real API server: callers are who TokenReview says, may ask for
// another user only where RBAC lets them impersonate that user (SubjectAccessReview), and get a
// ticket only for a session that user may open.
import { randomBytes } from 'node:crypto';
import {
  CoreV1Api,
  CustomObjectsApi,
  RbacAuthorizationV1Api,
  type KubeConfig,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUP, VERSION } from '../../crds/index.ts';
import { installCrds } from '../../crds/testing/api-server.ts';
import type { RunningOperator } from '../../runtime/app.ts';
import { redeem, startTestGateway, untilGatewayServes, type TestGateway } from '../../testing/gateway.ts';
import { createTestNamespace, eventually, testKubeConfig } from '../../testing/kube.ts';
import { sessionImageObject } from '../../testing/objects.ts';
import { startTestOperator } from '../../testing/operator.ts';
import { TestSessions } from '../../testing/sessions.ts';

const suffix = randomBytes(3).toString('hex');
const proposal = `MX-${String(1000 + Math.floor(Math.random() * 8000))}`;
const imageName = `t-gw-api-${suffix}`;
const roleName = `t-portal-impersonates-${suffix}`;
let kc: KubeConfig;
let ns: { name: string; remove: () => Promise<void> };
let gateway: TestGateway;
let operator: RunningOperator;
const tokens: Record<string, string> = {};

async function serviceAccountToken(name: string): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespacedServiceAccount({ namespace: ns.name, body: { metadata: { name } } });
  return eventually(`a token for ${name}`, () =>
    core
      .createNamespacedServiceAccountToken({
        name,
        namespace: ns.name,
        body: { spec: { audiences: [], expirationSeconds: 600 } },
      })
      .then((r) => r.status?.token),
  );
}

async function ask(
  token: string | undefined,
  body: object,
): Promise<{ status: number; body: { url?: string; message?: string } }> {
  const res = await fetch(`${gateway.origin}/tickets`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { url?: string; message?: string } };
}

beforeAll(async () => {
  kc = testKubeConfig();
  await installCrds();
  ns = await createTestNamespace(kc, 'gw-api', { 'daas.calipsoplus.eu/proposal': proposal });
  const custom = kc.makeApiClient(CustomObjectsApi);
  await custom.createClusterCustomObject({
    group: GROUP,
    version: VERSION,
    plural: 'sessionimages',
    body: sessionImageObject(imageName),
  });
  gateway = await startTestGateway(kc, [ns.name]);
  operator = await startTestOperator([ns.name], [`--gateway-url=${gateway.origin}/`]);
  const sessions = new TestSessions(custom, ns.name, {
    owner: 'akowalska',
    proposal,
    sharedWith: ['mkowalski'],
  });
  await sessions.create('notebook', { image: imageName });
  await sessions.until('notebook', 'Running', (s) => s.status?.phase === 'Running');
  await untilGatewayServes(gateway, 'akowalska', ns.name, 'notebook');
  // A portal may act for akowalska and mkowalski (RBAC impersonation by name); a script may not.
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  await rbac.createClusterRole({
    body: {
      metadata: { name: roleName },
      rules: [
        {
          apiGroups: [''],
          resources: ['users'],
          verbs: ['impersonate'],
          resourceNames: ['akowalska', 'mkowalski'],
        },
      ],
    },
  });
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name: roleName },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName },
      subjects: [{ kind: 'ServiceAccount', name: 'portal', namespace: ns.name }],
    },
  });
  tokens.portal = await serviceAccountToken('portal');
  tokens.script = await serviceAccountToken('script');
}, 120_000);

afterAll(async () => {
  await gateway.stop();
  await operator.shutdown('test done');
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  await rbac.deleteClusterRoleBinding({ name: roleName }).catch(() => undefined);
  await rbac.deleteClusterRole({ name: roleName }).catch(() => undefined);
  await kc
    .makeApiClient(CustomObjectsApi)
    .deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: 'sessionimages', name: imageName })
    .catch(() => undefined);
  await ns.remove();
});

describe('the ticket API for portals', () => {
  const session = () => ({ namespace: ns.name, name: 'notebook' });

  it('refuses callers without a token the API server vouches for (401)', async () => {
    expect((await ask(undefined, session())).status).toBe(401);
    expect((await ask('forged-token', session())).status).toBe(401);
  });

  it('issues a portal a ticket for a user it may impersonate, which opens the session', async () => {
    const owner = await ask(tokens.portal, { ...session(), user: 'akowalska' });
    expect(owner.status).toBe(201);
    expect(owner.body.url?.startsWith(`${gateway.origin}/sessions/${ns.name}/notebook/?ticket=`)).toBe(true);
    expect((await redeem(owner.body.url ?? '')).status).toBe(303);
    const shared = await ask(tokens.portal, { ...session(), user: 'mkowalski' });
    expect(shared.status).toBe(201);
  });

  it('refuses (403) impersonation RBAC does not allow, and users the session is not shared with', async () => {
    const script = await ask(tokens.script, { ...session(), user: 'akowalska' });
    expect(script).toEqual({
      status: 403,
      body: { message: `system:serviceaccount:${ns.name}:script may not act for akowalska` },
    });
    const other = await ask(tokens.portal, { ...session(), user: 'mallory' });
    expect(other.body.message).toBe(`system:serviceaccount:${ns.name}:portal may not act for mallory`);
    const self = await ask(tokens.script, session());
    expect(self).toEqual({
      status: 403,
      body: { message: `the session is not shared with system:serviceaccount:${ns.name}:script` },
    });
  });
});
