// What `npm start` runs on the local control plane, one small function per process so that the e2e
// test starts exactly the same: the sample data, the gateway's keys and demo identities, the
// dashboard with its gateway, the KubeVirt simulation,
// the operator (pointing sessions at the gateway) and the local session runner, each as its own
// process adopted by the cluster (stopped with it, and by the guard if `npm start` dies).
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { operatorNodeArgs } from '../../operator/process.ts';
import { loadKubeConfig } from '../../runtime/app.ts';
import { ApiError } from '../../runtime/errors.ts';
import { RestClient } from '../../runtime/rest.ts';
import { sleep } from '../../runtime/time.ts';
import { freePort, manifestsDir, type LocalCluster } from './cluster.ts';
import { installCrds } from './crds.ts';
import { OPERATOR_ACCOUNT, SYSTEM_NAMESPACE, serviceAccountToken } from './demo-portal.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const TICKET_KEYS_SECRET = 'daas-gateway-ticket-keys';
/** The gateway's port when it is free (another local cluster's gateway may hold it). */
export const PREFERRED_GATEWAY_PORT = 8090;
/** The dashboard's port when it is free. */
export const PREFERRED_DASHBOARD_PORT = 8080;

/** Where `npm run open` finds the gateway of the cluster in `dir`. */
export const gatewayUrlFile = (dir: string): string => join(dir, 'gateway-url');

export interface DemoProcesses {
  dashboardUrl: string;
  gatewayUrl: string;
  logs: Record<'operator' | 'dashboard' | 'sessionRunner' | 'kubevirt', string>;
}

/** The API, the sample catalogue, proposal and sessions, applied the way an admin would. */
export async function applySampleData(cluster: LocalCluster): Promise<void> {
  await installCrds(cluster.kubeconfigPath, cluster.binDir);
  kubectlApply(cluster, join(repoRoot, 'examples'));
  // Where the operator keeps the warm pool VMs (--warm-pool-namespace; deploy/ creates it on a cluster).
  execFileSync(
    join(cluster.binDir, 'kubectl'),
    ['--kubeconfig', cluster.kubeconfigPath, 'apply', '--server-side', '-f', '-'],
    {
      input: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: daas-pool\n',
      stdio: ['pipe', 'ignore', 'inherit'],
    },
  );
}

function kubectlApply(cluster: LocalCluster, path: string): void {
  execFileSync(
    join(cluster.binDir, 'kubectl'),
    ['--kubeconfig', cluster.kubeconfigPath, 'apply', '--server-side', '-f', path],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
}

/**
 * The gateway's ticket keys (a Secret created once, so links and cookies survive a restart), the
 * operator's and the demo portal's ServiceAccounts and RBAC, and a token file with which the
 * operator reads desktops' activity from the gateway. Returns that file's path.
 */
export async function prepareGatewayAccess(cluster: LocalCluster): Promise<string> {
  kubectlApply(cluster, join(manifestsDir, 'demo-access.yaml'));
  const client = new RestClient(loadKubeConfig(cluster.kubeconfigPath));
  await client
    .request('POST', `/api/v1/namespaces/${SYSTEM_NAMESPACE}/secrets`, {
      body: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: TICKET_KEYS_SECRET },
        data: { primary: randomBytes(32).toString('base64') },
      },
    })
    .catch((err: unknown) => {
      if (!(err instanceof ApiError && err.statusCode === 409)) throw err;
    });
  const tokenFile = join(cluster.dir, 'operator-gateway-token');
  await writeFile(tokenFile, await serviceAccountToken(client, OPERATOR_ACCOUNT, 7 * 24 * 3600), {
    mode: 0o600,
  });
  return tokenFile;
}

/** Runs `node <args>` as a process of the cluster, logging to logs/<name>.log. */
async function spawnAdopted(cluster: LocalCluster, name: string, nodeArgs: string[]): Promise<string> {
  const logFile = join(cluster.dir, 'logs', `${name}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, nodeArgs, { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start the ${name}`);
  await cluster.adopt(name, child.pid);
  child.once('exit', (code) => {
    process.stderr.write(`[cluster] the ${name} exited with code ${String(code)}; see ${logFile}\n`);
  });
  return logFile;
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => {
      done(false);
    });
    server.listen(port, '127.0.0.1', () => {
      server.close(() => {
        done(true);
      });
    });
  });
}

/** A preferred port when free (another local cluster may hold it), else any free one. */
async function portNear(preferred: number): Promise<number> {
  return (await portIsFree(preferred)) ? preferred : freePort();
}

/**
 * The dashboard and its gateway, one process on 127.0.0.1 with the demo sign-in (its cookie keys in
 * a file of the cluster directory); resolves with both public URLs once it is ready.
 */
export async function spawnDashboard(
  cluster: LocalCluster,
): Promise<{ url: string; gatewayUrl: string; logFile: string }> {
  const [port, gatewayPort, health] = [
    await portNear(PREFERRED_DASHBOARD_PORT),
    await portNear(PREFERRED_GATEWAY_PORT),
    await freePort(),
  ];
  const keysFile = join(cluster.dir, 'dashboard-session-keys');
  if (!existsSync(keysFile))
    await writeFile(keysFile, randomBytes(32).toString('base64') + '\n', { mode: 0o600 });
  const url = `http://127.0.0.1:${String(port)}/`;
  const gatewayUrl = `http://127.0.0.1:${String(gatewayPort)}/`;
  const logFile = await spawnAdopted(cluster, 'dashboard', [
    join(repoRoot, 'dashboard', 'main.ts'),
    `--kubeconfig=${cluster.kubeconfigPath}`,
    '--demo-sign-in',
    `--session-keys-file=${keysFile}`,
    `--listen-address=127.0.0.1:${String(port)}`,
    `--public-url=${url}`,
    `--gateway-listen-address=127.0.0.1:${String(gatewayPort)}`,
    `--gateway-public-url=${gatewayUrl}`,
    `--gateway-ticket-keys-secret=${SYSTEM_NAMESPACE}/${TICKET_KEYS_SECRET}`,
    `--gateway-activity-readers=system:serviceaccount:${SYSTEM_NAMESPACE}:${OPERATOR_ACCOUNT}`,
    `--gateway-metrics-bind-address=127.0.0.1:${String(health)}`,
    `--gateway-health-probe-bind-address=127.0.0.1:${String(health)}`,
  ]);
  await untilReady(`http://127.0.0.1:${String(health)}/readyz`, 'the dashboard', logFile);
  await writeFile(gatewayUrlFile(cluster.dir), gatewayUrl + '\n');
  return { url, gatewayUrl, logFile };
}

async function untilReady(url: string, what: string, logFile: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const ok = await fetch(url, { signal: AbortSignal.timeout(1000) })
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return;
    await sleep(200);
  }
  throw new Error(`${what} was not ready within 60 s; see ${logFile}`);
}

/** What sessions may reach on the local control plane (README "Egress"). */
export const LOCAL_EGRESS_FLAGS = [
  '--session-egress=internet',
  '--cluster-pod-cidrs=127.0.0.0/8',
  '--cluster-service-cidrs=10.0.0.0/16',
  '--api-server-cidrs=127.0.0.1/32',
];

/** The operator, with sessions' endpoints on the gateway and a token to read desktops' activity. */
export async function spawnOperator(
  cluster: LocalCluster,
  gateway: { url: string; tokenFile: string },
): Promise<{ metrics: number; logFile: string }> {
  const metrics = await freePort();
  const health = await freePort();
  const logFile = await spawnAdopted(
    cluster,
    'operator',
    operatorNodeArgs(join(repoRoot, 'operator', 'main.ts'), [
      `--kubeconfig=${cluster.kubeconfigPath}`,
      '--leader-elect=false',
      `--metrics-bind-address=127.0.0.1:${String(metrics)}`,
      `--health-probe-bind-address=127.0.0.1:${String(health)}`,
      `--gateway-url=${gateway.url}`,
      `--gateway-token-file=${gateway.tokenFile}`,
      // VM sessions on the simulated KubeVirt (spawnKubevirtSimulation).
      '--virtual-machines',
      // The local control plane's ranges (cluster.ts): loopback pod addresses, its Service range and
      // API server, so the sample sessions' NetworkPolicies say what a real site's would.
      ...LOCAL_EGRESS_FLAGS,
    ]),
  );
  return { metrics, logFile };
}

/** KubeVirt's virt-controller cannot run here: its SIMULATION makes the sample VMs run (README). */
export async function spawnKubevirtSimulation(cluster: LocalCluster): Promise<string> {
  return spawnAdopted(cluster, 'kubevirt-sim', [
    join(repoRoot, 'tools', 'controlplane', 'kubevirt-sim', 'main.ts'),
    `--kubeconfig=${cluster.kubeconfigPath}`,
  ]);
}

/** The local session runner: real JupyterLab and VNC desktops at the session pods' 127.x addresses. */
export async function spawnSessionRunner(cluster: LocalCluster): Promise<string> {
  return spawnAdopted(cluster, 'session-runner', [
    join(repoRoot, 'tools', 'controlplane', 'session-runner', 'main.ts'),
    `--kubeconfig=${cluster.kubeconfigPath}`,
    `--work-dir=${join(cluster.dir, 'sessions')}`,
    `--log-dir=${join(cluster.dir, 'logs', 'sessions')}`,
  ]);
}

/** Everything `npm start` runs beside the control plane. */
export async function startDemo(cluster: LocalCluster): Promise<DemoProcesses> {
  await applySampleData(cluster);
  const tokenFile = await prepareGatewayAccess(cluster);
  const dashboard = await spawnDashboard(cluster);
  const kubevirt = await spawnKubevirtSimulation(cluster);
  const operator = await spawnOperator(cluster, { url: dashboard.gatewayUrl, tokenFile });
  const sessionRunner = await spawnSessionRunner(cluster);
  return {
    dashboardUrl: dashboard.url,
    gatewayUrl: dashboard.gatewayUrl,
    logs: { operator: operator.logFile, dashboard: dashboard.logFile, sessionRunner, kubevirt },
  };
}

/** What `npm start` prints: how to open the sample notebook and desktop. */
export function howToOpen(demo: DemoProcesses): string {
  return [
    `the dashboard is at ${demo.dashboardUrl}: sign in as a sample user (akowalska owns the sample notebook and desktop) and Connect`,
    `or get a one-time link to a sample session from the gateway (${demo.gatewayUrl}) as a portal would:`,
    '  npm run open -- proposal-mx-2451/quick-look            # JupyterLab, as its owner akowalska',
    '  npm run open -- proposal-mx-2451/desktop-inspection    # a Linux desktop (shared with mkowalski: add --as mkowalski)',
    '  each prints a link that works once, within 60 s; the sessions need a few seconds after Running',
    `  logs: ${demo.logs.dashboard}, ${demo.logs.sessionRunner} and ${dirname(demo.logs.sessionRunner)}/sessions/`,
  ].join('\n');
}
