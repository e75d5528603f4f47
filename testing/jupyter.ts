// A real Jupyter server (jupyter_server from PyPI, installed by tools/peers/install.sh) for tests,
// listening on a loopback address such as a fake pod's IP.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { jupyterAnswers } from '../tools/controlplane/session-runner/probes.ts';
import { superviseUntilReady } from './peer-process.ts';

export interface JupyterServer {
  url: string;
  token: string;
  stop: () => Promise<void>;
}

async function peersBin(): Promise<string> {
  const { stdout } = await promisify(execFile)('bash', [join(process.cwd(), 'tools/peers/install.sh')]);
  return stdout.trim().split('\n').pop() ?? '';
}

/** Starts jupyter-server on `ip:port` (a 127.x address) with `token` and `baseUrl`; resolves when it answers. */
export async function startJupyter(options: {
  ip: string;
  port: number;
  token: string;
  baseUrl?: string;
}): Promise<JupyterServer> {
  const bin = await peersBin();
  const root = await mkdtemp(join(tmpdir(), 'daas-jupyter-'));
  const baseUrl = options.baseUrl ?? '/';
  const child: ChildProcess = spawn(
    join(bin, 'jupyter-server'),
    [
      `--ServerApp.ip=${options.ip}`,
      `--ServerApp.port=${String(options.port)}`,
      '--ServerApp.port_retries=0',
      `--IdentityProvider.token=${options.token}`,
      `--ServerApp.base_url=${baseUrl}`,
      `--ServerApp.root_dir=${root}`,
      '--ServerApp.open_browser=False',
      '--ServerApp.allow_root=True',
      '--ServerApp.log_level=WARN',
    ],
    {
      env: { ...process.env, JUPYTER_RUNTIME_DIR: root, JUPYTER_DATA_DIR: root, JUPYTER_CONFIG_DIR: root },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const url = `http://${options.ip}:${String(options.port)}${baseUrl}`;
  const answers = () => jupyterAnswers(url, options.token);
  const { stop } = await superviseUntilReady(child, root, `jupyter-server on ${url}`, answers, {
    timeoutMs: 30_000,
    everyMs: 200,
  });
  return { url, token: options.token, stop };
}
