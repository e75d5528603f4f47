// Test helpers for deploy/: apply install.yaml like a site, and give a component's ServiceAccount a
// kubeconfig of its own (a TokenRequest token, not the admin certificate).
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { kubectl } from '../../crds/testing/api-server.ts';
import { SYSTEM_NAMESPACE } from './names.ts';

/**
 * `kubectl apply --server-side -f deploy/install.yaml`, as the README says. The field manager is the
 * one the test setup installs the CRDs with (a fresh cluster has no other, so there is no conflict).
 */
export async function applyInstall(): Promise<string> {
  return kubectl('apply', '--server-side', '--field-manager=daas-install', '-f', 'deploy/install.yaml');
}

/** A kubeconfig file in `dir` for `serviceAccount` of daas-system: the cluster's CA, a fresh token. */
export async function serviceAccountKubeconfig(adminKubeconfig: string, serviceAccount: string, dir: string) {
  const token = (await kubectl('create', 'token', serviceAccount, '-n', SYSTEM_NAMESPACE, '--duration=1h')).trim();
  const admin = parse(await readFile(adminKubeconfig, 'utf8')) as {
    clusters: { name: string; cluster: Record<string, unknown> }[];
  };
  const [cluster] = admin.clusters;
  if (!cluster) throw new Error(`${adminKubeconfig} names no cluster`);
  const path = join(dir, `${serviceAccount}.kubeconfig`);
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [cluster],
    users: [{ name: serviceAccount, user: { token } }],
    contexts: [{ name: serviceAccount, context: { cluster: cluster.name, user: serviceAccount } }],
    'current-context': serviceAccount,
  };
  await writeFile(path, stringify(config), { mode: 0o600 });
  return path;
}
