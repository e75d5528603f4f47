// The container image's tree (built as the Dockerfile builds it, without Docker) runs the operator
// and the gateway against the local control plane with the credentials of their ServiceAccounts from
// deploy/install.yaml (TokenRequest tokens, not the admin certificate): a session reaches Running and
// a portal gets a ticket with no request refused; without one of the operator's rules it cannot.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { inject } from 'vitest';
import { GROUP, VERSION } from '../../crds/index.ts';
import { canI, kubectl, useProposalNamespace } from '../../crds/testing/api-server.ts';
import { operatorNodeArgs } from '../../operator/process.ts';
import { eventually, testKubeConfig } from '../../testing/kube.ts';
import { sessionImageObject } from '../../testing/objects.ts';
import { TestSessions } from '../../testing/sessions.ts';
import { DashboardUser } from '../../testing/dashboard.ts';
import { SCIENTIST_ROLE } from '../../crds/user-roles.ts';
import { freePort } from '../../tools/controlplane/cluster.ts';
import { DASHBOARD, OPERATOR, SYSTEM_NAMESPACE, TICKET_KEYS_SECRET } from './names.ts';
import { buildProductionTree } from './production-tree.ts';
import { OPERATOR_PROPOSAL_RULES, type PolicyRule } from './rbac.ts';
import { PROPOSAL_ROLES } from '../../operator/proposals/access.ts';
import { applyInstall, serviceAccountKubeconfig } from './testing.ts';

const kc = testKubeConfig();
const custom = kc.makeApiClient(CustomObjectsApi);
const namespace = useProposalNamespace(kc, 'least-privilege');
const narrowNamespace = useProposalNamespace(kc, 'least-privilege-narrow');
const suffix = randomBytes(3).toString('hex');
const image = `lp-jupyter-${suffix}`;
const narrowImage = `lp-narrow-${suffix}`;
let tree = '';
const children: ChildProcess[] = [];

/** Starts `script` of the production tree with Node (the image's entrypoint) and the given flags. */
function startFromTree(args: string[]): ChildProcess {
  const child = spawn(process.execPath, args, {
    cwd: tree,
    env: { PATH: process.env.PATH, NODE_ENV: 'production' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  child.once('exit', (code) => {
    if (code) process.stderr.write(`[least-privilege] ${args[0] ?? ''} exited ${String(code)}: ${stderr}\n`);
  });
  children.push(child);
  return child;
}

/** The requests the API server refused (403) to a process, from its rest_client_requests_total. */
async function refusals(metricsPort: number): Promise<string[]> {
  const text = await (await fetch(`http://127.0.0.1:${String(metricsPort)}/metrics`)).text();
  return text.split('\n').filter((line) => line.startsWith('rest_client_requests_total') && line.includes('code="403"'));
}

async function writeClusterRole(name: string, rules: PolicyRule[]): Promise<string> {
  const path = join(tree, `${name}.yaml`);
  await writeFile(path, stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name }, rules }));
  return path;
}

async function startOperator(
  kubeconfig: string,
  leaseId: string,
  watched: string,
  extra: string[] = [],
): Promise<number> {
  const metrics = await freePort();
  startFromTree(
    operatorNodeArgs('operator/main.ts', [
      `--kubeconfig=${kubeconfig}`,
      `--namespaces=${watched}`,
      '--leader-elect=true',
      `--leader-election-id=${leaseId}`,
      `--leader-election-namespace=${SYSTEM_NAMESPACE}`,
      `--metrics-bind-address=127.0.0.1:${String(metrics)}`,
      '--health-probe-bind-address=0',
      '--log-level=warn',
      ...extra,
    ]),
  );
  return metrics;
}

beforeAll(async () => {
  tree = await mkdtemp(join(tmpdir(), 'daas-image-tree-'));
  await Promise.all([buildProductionTree(tree), applyInstall()]);
  for (const name of [image, narrowImage]) {
    await custom.createClusterCustomObject({
      group: GROUP,
      version: VERSION,
      plural: 'sessionimages',
      body: sessionImageObject(name),
    });
  }
}, 240_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGTERM');
  for (const name of [image, narrowImage]) {
    await custom
      .deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: 'sessionimages', name })
      .catch(() => undefined);
  }
  await kubectl('delete', 'clusterrole,clusterrolebinding', `lp-narrow-${suffix}`, '--ignore-not-found');
  await kubectl('delete', 'rolebinding', '-n', SYSTEM_NAMESPACE, `lp-narrow-${suffix}`, '--ignore-not-found');
  await kubectl('delete', 'serviceaccount', '-n', SYSTEM_NAMESPACE, `lp-narrow-${suffix}`, '--ignore-not-found');
  if (tree) await rm(tree, { recursive: true, force: true });
});

describe('the image tree with the rendered RBAC', () => {
  test("the operator, as its ServiceAccount, brings a session to Running with no request refused", async () => {
    const kubeconfig = await serviceAccountKubeconfig(inject('kubeconfig'), OPERATOR, tree);
    const metrics = await startOperator(kubeconfig, `lp-${suffix}`, namespace.name);
    const sessions = new TestSessions(custom, namespace.name, { owner: 'akowalska', proposal: 'MX-2451' });
    await sessions.create('analysis', { image });
    await sessions.until('analysis', 'Running', (s) => s.status?.phase === 'Running', 90_000);
    expect(await refusals(metrics)).toEqual([]);
  });

  test('the dashboard, as its ServiceAccount, signs a member in and launches a session for her with no request refused', async () => {
    await kubectl(
      'create', 'secret', 'generic', TICKET_KEYS_SECRET, '-n', SYSTEM_NAMESPACE,
      `--from-literal=primary=${randomBytes(32).toString('base64')}`,
    ).catch(() => undefined);
    await kubectl(
      'create', 'rolebinding', `lp-members-${suffix}`, '-n', namespace.name,
      `--clusterrole=${SCIENTIST_ROLE}`, '--user=akowalska',
    );
    const keys = join(tree, 'dashboard-keys');
    await writeFile(keys, randomBytes(32).toString('base64') + '\n');
    const kubeconfig = await serviceAccountKubeconfig(inject('kubeconfig'), DASHBOARD, tree);
    const [port, gateway, metrics, health] = [await freePort(), await freePort(), await freePort(), await freePort()];
    startFromTree([
      'dashboard/main.ts',
      `--kubeconfig=${kubeconfig}`,
      `--namespaces=${namespace.name}`,
      '--demo-sign-in',
      `--session-keys-file=${keys}`,
      `--listen-address=127.0.0.1:${String(port)}`,
      `--public-url=http://127.0.0.1:${String(port)}/`,
      `--favorites-namespace=${SYSTEM_NAMESPACE}`,
      `--gateway-listen-address=127.0.0.1:${String(gateway)}`,
      `--gateway-public-url=http://127.0.0.1:${String(gateway)}/`,
      `--gateway-metrics-bind-address=127.0.0.1:${String(metrics)}`,
      `--gateway-health-probe-bind-address=127.0.0.1:${String(health)}`,
      '--log-level=warn',
    ]);
    await eventually('the dashboard ready', async () =>
      (await fetch(`http://127.0.0.1:${String(health)}/readyz`).catch(() => undefined))?.ok ? true : undefined,
    60_000);
    const user = new DashboardUser(`http://127.0.0.1:${String(port)}`);
    await user.signIn('akowalska');
    expect((await user.get('/proposals')).text).toContain(namespace.name);
    await user.get(`/proposals/${namespace.name}/launch/${image}`);
    const launched = await user.post(`/proposals/${namespace.name}/launch/${image}`, {
      displayName: 'from the dashboard',
      lifetime: '30m',
    });
    expect(launched.status).toBe(303);
    const sessions = new TestSessions(custom, namespace.name, {});
    await eventually('the launched session', async () =>
      (await sessions.list()).find((s) => s.spec.displayName === 'from the dashboard'),
    );
    // A portal's ticket request: TokenReview of the caller, as the dashboard's ServiceAccount.
    const callerToken = (await kubectl('create', 'token', OPERATOR, '-n', SYSTEM_NAMESPACE)).trim();
    const res = await fetch(`http://127.0.0.1:${String(gateway)}/tickets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${callerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ namespace: namespace.name, name: 'analysis' }),
    });
    // The operator's account is neither owner nor shared: refused by the gateway, not by Kubernetes.
    expect(res.status).toBe(403);
    expect(await refusals(metrics)).toEqual([]);
  });

  test('without its rule to write pods the operator is refused, and the session says so', async () => {
    const narrow = `lp-narrow-${suffix}`;
    const account = `--serviceaccount=${SYSTEM_NAMESPACE}:${narrow}`;
    const rules = OPERATOR_PROPOSAL_RULES.filter((rule) => !rule.resources.includes('pods'));
    expect(rules).toHaveLength(OPERATOR_PROPOSAL_RULES.length - 1);
    await kubectl('create', 'serviceaccount', narrow, '-n', SYSTEM_NAMESPACE);
    await kubectl('apply', '--server-side', '-f', await writeClusterRole(narrow, rules));
    await kubectl('create', 'clusterrolebinding', narrow, `--clusterrole=${OPERATOR}`, account);
    await kubectl('create', 'rolebinding', narrow, '-n', SYSTEM_NAMESPACE, `--role=${OPERATOR}`, account);
    await kubectl('create', 'rolebinding', narrow, '-n', narrowNamespace.name, `--clusterrole=${narrow}`, account);
    const kubeconfig = await serviceAccountKubeconfig(inject('kubeconfig'), narrow, tree);
    // Its own access RoleBinding names another account: the narrowed role is all it has there.
    const metrics = await startOperator(kubeconfig, `lp-narrow-${suffix}`, narrowNamespace.name, [
      `--operator-service-account=lp-unused-${suffix}`,
    ]);
    const sessions = new TestSessions(custom, narrowNamespace.name, { owner: 'akowalska', proposal: 'MX-2451' });
    await sessions.create('refused', { image: narrowImage });
    const refused = await sessions.until(
      'refused',
      'naming the refusal',
      (s) => /forbidden/i.test(s.status?.message ?? ''),
      90_000,
    );
    expect(refused.status?.phase).not.toBe('Running');
    expect((await refusals(metrics)).length).toBeGreaterThan(0);
  });

  test('neither ServiceAccount reads Secrets outside proposal namespaces; the operator creates pods only in them', async () => {
    const as = (name: string) => `system:serviceaccount:${SYSTEM_NAMESPACE}:${name}`;
    for (const component of [OPERATOR, DASHBOARD]) {
      expect(await canI(as(component), 'get', 'secrets', 'kube-system')).toBe(false);
      expect(await canI(as(component), 'list', 'secrets', 'default')).toBe(false);
    }
    expect(await canI(as(OPERATOR), 'create', 'pods', 'default')).toBe(false);
    // Granted in the proposal namespace by the RoleBindings the operator keeps there.
    expect(await canI(as(OPERATOR), 'create', 'pods', namespace.name)).toBe(true);
    expect(await canI(as(OPERATOR), 'list', 'secrets', namespace.name)).toBe(true);
    expect(await canI(as(DASHBOARD), 'get', 'secrets', namespace.name)).toBe(true);
    // Its right to bind cannot carry it elsewhere: the admission policy refuses.
    const refusal = await kubectl(
      'create',
      'rolebinding',
      `lp-escape-${suffix}`,
      '-n',
      'default',
      `--clusterrole=${PROPOSAL_ROLES.operator}`,
      `--serviceaccount=${SYSTEM_NAMESPACE}:${OPERATOR}`,
      `--as=${as(OPERATOR)}`,
    ).then(
      () => 'created',
      (err: unknown) => String((err as { stderr?: string }).stderr),
    );
    expect(refusal).toContain('the operator binds roles only in proposal namespaces');
  });
});
