// A real peer process for tests (a Jupyter server, a VNC desktop): its last stderr for error messages,
// a stop that escalates SIGTERM to SIGKILL and removes its scratch directory, and a wait until it
// answers that gives up (and stops it) after a timeout or when it exits.
import type { ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { sleep } from '../runtime/time.ts';

export interface PeerProcess {
  stop: () => Promise<void>;
}

/**
 * Watches `child` (spawned with stderr piped) until `answers()` holds; on failure throws with
 * "`what` did not start" and the process's last stderr. `dir` is removed when it stops.
 */
export async function superviseUntilReady(
  child: ChildProcess,
  dir: string,
  what: string,
  answers: () => Promise<boolean>,
  options: { timeoutMs: number; everyMs: number },
): Promise<PeerProcess> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  const stop = async () => {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + options.timeoutMs;
  while (!(await answers())) {
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error(`${what} did not start:\n${stderr}`);
    }
    await sleep(options.everyMs);
  }
  return { stop };
}
