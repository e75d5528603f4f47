// The entry point as a process: --help, and a bad value stops it at start with exit code 2.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const main = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, ['main.ts', ...args], {
    cwd: import.meta.dirname,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, ...env },
  });

// Each test starts Node on the operator's sources: seconds on a busy machine.
describe('operator/main.ts', { timeout: 30_000 }, () => {
  it('prints every flag for --help and exits 0', () => {
    const run = main(['--help']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^usage: npm run operator -- /);
    expect(run.stdout).toMatch(/--leader-elect\[=true\|false\]/);
    expect(run.stdout).toMatch(/--image-pull-grace=VALUE/);
  });

  it('exits 2 naming every bad flag or variable, before it talks to any cluster', () => {
    const run = main(['--workers=0'], { DAAS_DEFAULT_UID: '0' });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--workers: must be from 1 to 64 \(got "0"\)/);
    expect(run.stderr).toMatch(/DAAS_DEFAULT_UID: must not be 0/);
  });

  it('exits 2 naming the kubeconfig and what is wrong with it', () => {
    const run = main(['--kubeconfig=/nonexistent/kubeconfig']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^kubeconfig \/nonexistent\/kubeconfig: ENOENT: no such file or directory/);
  });
});
