// The local session runner's entry point (started by `npm start` beside the operator and the gateway):
// `node tools/controlplane/session-runner/main.ts --kubeconfig=… --work-dir=… --log-dir=…`.
// On SIGTERM or SIGINT it stops every session process before it exits.
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadKubeConfig } from '../../../runtime/app.ts';
import { ConfigError } from '../../../runtime/config.ts';
import { createLogger } from '../../../runtime/logger.ts';
import { Manager } from '../../../runtime/manager.ts';
import { RestClient } from '../../../runtime/rest.ts';
import { loadRunnerConfig, type RunnerConfig } from './config.ts';
import { SessionRunner } from './runner.ts';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** JupyterLab's bin directory: tools/peers/install.sh installs it if needed and prints it last. */
async function jupyterBin(): Promise<string> {
  const { stdout } = await promisify(execFile)('bash', [join(repoRoot, 'tools/peers/install.sh')]);
  return stdout.trim().split('\n').pop() ?? '';
}

let config: RunnerConfig;
try {
  config = loadRunnerConfig(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`${err.message}\n`);
  process.exit(2);
}
const log = createLogger(config.logLevel).child({ app: 'daas-session-runner' });
const client = new RestClient(loadKubeConfig(config.kubeconfig));
const manager = new Manager({ client, log, namespaces: config.namespaces });
const runner = new SessionRunner(manager, {
  jupyterBin: await jupyterBin(),
  workDir: config.workDir,
  logDir: config.logDir,
  log,
});
manager.startCaches();
log.info({ workDir: config.workDir, logDir: config.logDir }, 'session runner watching session pods');
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    log.info({ signal }, 'stopping every session process');
    void runner
      .stop()
      .then(() => manager.stop())
      .then(() => process.exit(0));
  });
}
