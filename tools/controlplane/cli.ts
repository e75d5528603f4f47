// npm run cluster:up | cluster:down | cluster:status, and `npm start` (run: foreground until Ctrl-C).
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalCluster, componentNames, freePort } from './cluster.ts';
import { ensureBinaries } from './binaries.ts';
import { installCrds } from './crds.ts';
import { operatorNodeArgs } from '../../operator/process.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const devClusterDir = resolve(process.env.DAAS_CLUSTER_DIR ?? join(process.cwd(), '.cluster', 'dev'));
const log = (line: string) => {
  process.stderr.write(`[cluster] ${line}\n`);
};

function exports(cluster: LocalCluster): string {
  return `export KUBECONFIG=${cluster.kubeconfigPath} PATH=${cluster.binDir}:$PATH`;
}

async function up(): Promise<void> {
  const binDir = await ensureBinaries();
  const cluster = await LocalCluster.start({ dir: devClusterDir, binDir, log });
  log('running in the background; stop it with: npm run cluster:down');
  process.stdout.write(exports(cluster) + '\n');
}

async function down(): Promise<void> {
  const cluster = await LocalCluster.attach(devClusterDir);
  if (!cluster) {
    log(`no local control plane in ${devClusterDir}`);
    return;
  }
  const running = await cluster.running();
  await cluster.stop();
  log(running.length ? `stopped ${running.join(', ')}` : 'nothing was running');
}

async function status(): Promise<void> {
  const cluster = await LocalCluster.attach(devClusterDir);
  const running = cluster ? await cluster.running() : [];
  if (!cluster || running.length === 0) {
    log(`not running (${devClusterDir})`);
    process.exitCode = 1;
    return;
  }
  log(`running: ${running.join(', ')}`);
  process.stdout.write(exports(cluster) + '\n');
  execFileSync(
    join(cluster.binDir, 'kubectl'),
    ['--kubeconfig', cluster.kubeconfigPath, 'get', 'nodes', '-o', 'wide'],
    {
      stdio: 'inherit',
    },
  );
}

/** The API, the sample catalogue, proposal and sessions, applied the way an admin would. */
async function applySampleData(cluster: LocalCluster): Promise<void> {
  await installCrds(cluster.kubeconfigPath, cluster.binDir);
  execFileSync(
    join(cluster.binDir, 'kubectl'),
    ['--kubeconfig', cluster.kubeconfigPath, 'apply', '--server-side', '-f', join(repoRoot, 'examples')],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
}

/** The operator as its own process (as in a cluster), logging to the cluster's log directory. */
async function spawnOperator(cluster: LocalCluster): Promise<{ metrics: number; logFile: string }> {
  const metrics = await freePort();
  const health = await freePort();
  const logFile = join(cluster.dir, 'logs', 'operator.log');
  const fd = openSync(logFile, 'a');
  const child = spawn(
    process.execPath,
    operatorNodeArgs(join(repoRoot, 'operator', 'main.ts'), [
      `--kubeconfig=${cluster.kubeconfigPath}`,
      '--leader-elect=false',
      `--metrics-bind-address=127.0.0.1:${String(metrics)}`,
      `--health-probe-bind-address=127.0.0.1:${String(health)}`,
    ]),
    { stdio: ['ignore', fd, fd] },
  );
  closeSync(fd);
  if (child.pid === undefined) throw new Error('could not start the operator');
  await cluster.adopt('operator', child.pid);
  child.once('exit', (code) => {
    log(`the operator exited with code ${String(code)}; see ${logFile}`);
  });
  return { metrics, logFile };
}

/**
 * The dashboard (with its gateway) as its own process, with the demo sign-in: its cookie keys in a
 * file of the cluster directory, the gateway's ticket keys in the Secret daas-system/daas-gateway-
 * ticket-keys (created if missing, so a standalone gateway may share it).
 */
async function spawnDashboard(cluster: LocalCluster): Promise<{ url: string; logFile: string }> {
  const kubectl = (...args: string[]) =>
    execFileSync(join(cluster.binDir, 'kubectl'), ['--kubeconfig', cluster.kubeconfigPath, ...args], {
      stdio: ['ignore', 'ignore', 'ignore'],
    });
  for (const args of [
    ['create', 'namespace', 'daas-system'],
    [
      '-n',
      'daas-system',
      'create',
      'secret',
      'generic',
      'daas-gateway-ticket-keys',
      `--from-literal=primary=${randomBytes(32).toString('base64')}`,
    ],
  ]) {
    try {
      kubectl(...args);
    } catch {
      // Already there (a restart, or the standalone gateway made it).
    }
  }
  const keysFile = join(cluster.dir, 'dashboard-session-keys');
  if (!existsSync(keysFile))
    writeFileSync(keysFile, randomBytes(32).toString('base64') + '\n', { mode: 0o600 });
  const [port, gateway, metrics, health] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const url = `http://127.0.0.1:${String(port)}/`;
  const logFile = join(cluster.dir, 'logs', 'dashboard.log');
  const fd = openSync(logFile, 'a');
  const child = spawn(
    process.execPath,
    [
      join(repoRoot, 'dashboard', 'main.ts'),
      `--kubeconfig=${cluster.kubeconfigPath}`,
      '--demo-sign-in',
      `--session-keys-file=${keysFile}`,
      `--listen-address=127.0.0.1:${String(port)}`,
      `--public-url=${url}`,
      `--gateway-listen-address=127.0.0.1:${String(gateway)}`,
      `--gateway-public-url=http://127.0.0.1:${String(gateway)}/`,
      `--gateway-metrics-bind-address=127.0.0.1:${String(metrics)}`,
      `--gateway-health-probe-bind-address=127.0.0.1:${String(health)}`,
    ],
    { stdio: ['ignore', fd, fd] },
  );
  closeSync(fd);
  if (child.pid === undefined) throw new Error('could not start the dashboard');
  await cluster.adopt('dashboard', child.pid);
  child.once('exit', (code) => {
    log(`the dashboard exited with code ${String(code)}; see ${logFile}`);
  });
  return { url, logFile };
}

/** The main job: the control plane, the API with sample data and the operator, until Ctrl-C or SIGTERM. */
async function run(): Promise<void> {
  const binDir = await ensureBinaries();
  const cluster = await LocalCluster.start({ dir: devClusterDir, binDir, log, ownerPid: process.pid });
  await applySampleData(cluster);
  const operator = await spawnOperator(cluster);
  log(
    `operator running; logs in ${operator.logFile}, metrics on http://127.0.0.1:${String(operator.metrics)}/metrics`,
  );
  const dashboard = await spawnDashboard(cluster);
  log(`dashboard at ${dashboard.url} (demo sign-in: pick a sample user); logs in ${dashboard.logFile}`);
  log(`ready. In another shell:\n  ${exports(cluster)}\n  kubectl get daas -A`);
  log('press Ctrl-C to stop');
  // Watching the components also keeps this process alive (they are detached and unreferenced).
  let reported = '';
  const watch = setInterval(() => {
    void cluster.running().then((alive) => {
      const dead = componentNames.filter((c) => !alive.includes(c)).join(', ');
      if (dead && dead !== reported) log(`not running any more: ${dead} (see ${cluster.dir}/logs)`);
      reported = dead;
    });
  }, 2000);
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  clearInterval(watch);
  log('stopping');
  await cluster.stop();
}

const commands: Record<string, () => Promise<void>> = { up, down, status, run };
const command = commands[process.argv[2] ?? ''];
if (!command) {
  process.stderr.write(`usage: cli.ts ${Object.keys(commands).join('|')}\n`);
  process.exit(2);
}
command().catch((err: unknown) => {
  process.stderr.write(`[cluster] ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
