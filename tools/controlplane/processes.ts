// Starting and stopping the control plane's processes, and only ours: a pid counts as ours only while
// its command line still names our cluster directory, so a recycled pid is never signalled.
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { sleep } from '../../runtime/time.ts';

export async function isOurs(pid: number, marker: string): Promise<boolean> {
  try {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes(marker);
  } catch {
    return false;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Sends SIGTERM, waits up to `graceMs` for the process to leave, then SIGKILL.
 * Does nothing when the pid is no longer one of ours.
 */
export async function stopProcess(pid: number, marker: string, graceMs = 10_000): Promise<void> {
  if (!(await isOurs(pid, marker))) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!(await isOurs(pid, marker)) || (await isZombie(pid))) return;
    await sleep(50);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone already
  }
  while (await isOurs(pid, marker)) {
    if (await isZombie(pid)) return;
    await sleep(20);
  }
}

async function isZombie(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** Live (not zombie) processes, other than this one, whose command line names `marker`. */
export async function processesNaming(marker: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    const pid = Number(entry);
    if (!/^\d+$/.test(entry) || pid === process.pid) continue;
    if ((await isOurs(pid, marker)) && !(await isZombie(pid))) pids.push(pid);
  }
  return pids;
}

export interface Started {
  pid: number;
  /** Resolves with the exit code when the process ends while this Node process still watches it. */
  exited: Promise<number | null>;
}

/**
 * Starts a long-running process in its own session (so a terminal's Ctrl-C reaches the owner, which
 * shuts it down in order, rather than every component at once), logging to `logFile`.
 */
export function startDetached(bin: string, args: string[], logFile: string): Started {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(bin, args, { detached: true, stdio: ['ignore', fd, fd] });
    const exited = new Promise<number | null>((resolve) => {
      child.once('exit', (code) => {
        resolve(code);
      });
      child.once('error', () => {
        resolve(-1);
      });
    });
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${bin}`);
    return { pid: child.pid, exited };
  } finally {
    closeSync(fd);
  }
}
