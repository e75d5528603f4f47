// The launcher's promise to a user: `cluster:up` gives a usable cluster in the background,
// `cluster:down` stops every process it started, and `npm start` (cli.ts run) leaves nothing behind
// whether it is stopped by Ctrl-C or killed outright.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBinaries } from './binaries.ts';
import { processesNaming } from './processes.ts';
import { eventually } from '../../testing/kube.ts';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, 'cli.ts');
const run = promisify(execFile);
let dir: string;
let env: NodeJS.ProcessEnv;

async function startRun(): Promise<ChildProcess> {
  const child = spawn(process.execPath, [cli, 'run'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('press Ctrl-C to stop')) resolve();
    };
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      reject(new Error(`cli.ts run exited with ${String(code)}:\n${output}`));
    });
  });
  return child;
}

beforeAll(async () => {
  await ensureBinaries();
  dir = await mkdtemp(join(tmpdir(), 'daas-launcher-'));
  env = { ...process.env, DAAS_CLUSTER_DIR: dir };
  delete env.KUBECONFIG;
});

afterAll(async () => {
  await run(process.execPath, [cli, 'down'], { env }).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

describe('launcher', () => {
  it('cluster:up starts five processes and a usable cluster; cluster:down stops exactly those', async () => {
    const up = await run(process.execPath, [cli, 'up'], { env });
    const kubeconfig = /KUBECONFIG=(\S+)/.exec(up.stdout)?.[1] ?? '';
    expect(kubeconfig).toBe(join(dir, 'kubeconfig'));
    expect(await processesNaming(dir)).toHaveLength(5);

    const kubectl = join(await ensureBinaries(), 'kubectl');
    const wide = await run(kubectl, ['--kubeconfig', kubeconfig, 'get', 'nodes', '-o', 'wide']);
    expect(wide.stdout).toMatch(/kwok-gpu-1\s+Ready/);
    const gpus = await run(kubectl, [
      '--kubeconfig',
      kubeconfig,
      'get',
      'nodes',
      '-o',
      `jsonpath={range .items[*]}{.metadata.name}={.status.allocatable.nvidia\\.com/gpu}{"\\n"}{end}`,
    ]);
    expect(gpus.stdout.split('\n').filter((l) => l.endsWith('=4'))).toEqual(['kwok-gpu-1=4']);

    const down = await run(process.execPath, [cli, 'down'], { env });
    expect(down.stderr).toContain(
      'stopped etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok',
    );
    expect(await processesNaming(dir)).toEqual([]);
  });

  it('npm start stops its cluster on Ctrl-C (SIGINT)', async () => {
    const child = await startRun();
    expect((await processesNaming(dir)).length).toBeGreaterThanOrEqual(5);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    await exited;
    expect(await processesNaming(dir)).toEqual([]);
  });

  it('a guard stops the cluster when its owner is killed outright (SIGKILL)', async () => {
    const child = await startRun();
    child.kill('SIGKILL');
    await eventually(
      'every process of the cluster gone',
      async () => ((await processesNaming(dir)).length === 0 ? true : undefined),
      20_000,
    );
  });
});
