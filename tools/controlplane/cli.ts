// npm run cluster:up | cluster:down | cluster:status, and `npm start` (run: foreground until Ctrl-C).
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
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

/** A process of the demo, adopted by the cluster (stopped with it), logging to its log directory. */
function spawnAdopted(cluster: LocalCluster, name: string, args: string[]): Promise<string> {
  const logFile = join(cluster.dir, 'logs', `${name}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, args, { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start the ${name}`);
  child.once('exit', (code) => {
    log(`the ${name} exited with code ${String(code)}; see ${logFile}`);
  });
  return cluster.adopt(name, child.pid).then(() => logFile);
}

/** The operator as its own process (as in a cluster), running VM sessions on the simulated KubeVirt. */
async function spawnOperator(cluster: LocalCluster): Promise<{ metrics: number; logFile: string }> {
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
      '--virtual-machines',
    ]),
  );
  return { metrics, logFile };
}

/** KubeVirt's virt-controller cannot run here: its SIMULATION makes the sample VMs run (README). */
function spawnKubevirtSimulation(cluster: LocalCluster): Promise<string> {
  return spawnAdopted(cluster, 'kubevirt-sim', [
    join(repoRoot, 'tools', 'controlplane', 'kubevirt-sim', 'main.ts'),
    `--kubeconfig=${cluster.kubeconfigPath}`,
  ]);
}

/** The main job: the control plane, the API with sample data and the operator, until Ctrl-C or SIGTERM. */
async function run(): Promise<void> {
  const binDir = await ensureBinaries();
  const cluster = await LocalCluster.start({ dir: devClusterDir, binDir, log, ownerPid: process.pid });
  await applySampleData(cluster);
  const simulation = await spawnKubevirtSimulation(cluster);
  log(`virt-controller simulation running; logs in ${simulation}`);
  const operator = await spawnOperator(cluster);
  log(
    `operator running; logs in ${operator.logFile}, metrics on http://127.0.0.1:${String(operator.metrics)}/metrics`,
  );
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
