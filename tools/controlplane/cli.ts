// npm run cluster:up | cluster:down | cluster:status, and `npm start` (run: foreground until Ctrl-C).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { LocalCluster, componentNames } from './cluster.ts';
import { ensureBinaries } from './binaries.ts';
import { devClusterDir } from './cluster-dir.ts';
import { howToOpen, startDemo } from './demo.ts';
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

/**
 * The main job: the control plane, the API with sample data, the gateway, the operator and the local
 * session runner (demo.ts), until Ctrl-C or SIGTERM.
 */
async function run(): Promise<void> {
  const binDir = await ensureBinaries();
  const cluster = await LocalCluster.start({ dir: devClusterDir, binDir, log, ownerPid: process.pid });
  const demo = await startDemo(cluster);
  log(`operator running; logs in ${demo.logs.operator}`);
  log(howToOpen(demo));
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
