// A test run never leaves a control plane behind: not when a test fails, and not when the run is
// interrupted (Ctrl-C). Runs a nested vitest with the real global setup and a fixture test, in a
// private TMPDIR, and then looks for any process whose command line names that directory.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../../testing/kube.ts';
import { processesNaming } from './processes.ts';

let tmp: string;

function nestedRun(mode: 'fail' | 'hang', onOutput: (text: string) => void) {
  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp, DAAS_FIXTURE_MODE: mode };
  delete env.KUBECONFIG;
  const vitest = join(process.cwd(), 'node_modules', 'vitest', 'vitest.mjs');
  const child = spawn(
    process.execPath,
    [vitest, 'run', '--config', 'tools/controlplane/fixtures/vitest.fixture.config.ts'],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    onOutput(output);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      resolve(code);
    }),
  );
  return { child, exited, output: () => output };
}

beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'daas-teardown-'));
});

afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('test-run teardown', () => {
  it('stops the control plane after a failing test', async () => {
    const run = nestedRun('fail', () => undefined);
    const code = await run.exited;
    expect(run.output()).toContain('local control plane ready');
    expect(code).toBe(1);
    await eventually(
      'no process left',
      async () => ((await processesNaming(tmp)).length ? undefined : true),
      20_000,
    );
  });

  it('stops the control plane when the run is interrupted (SIGINT)', async () => {
    let hanging!: () => void;
    const started = new Promise<void>((resolve) => (hanging = resolve));
    const run = nestedRun('hang', (text) => {
      if (text.includes('fixture: hanging')) hanging();
    });
    await started;
    expect((await processesNaming(tmp)).length).toBeGreaterThanOrEqual(5);
    run.child.kill('SIGINT');
    await run.exited;
    await eventually(
      'no process left',
      async () => ((await processesNaming(tmp)).length ? undefined : true),
      20_000,
    );
  });
});
