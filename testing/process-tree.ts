// A process's descendants and whether a process still runs, from /proc: for tests that check what a
// supervisor leaves behind.
import { readFile, readdir } from 'node:fs/promises';

async function stateAndParent(pid: string): Promise<{ state: string; ppid: number } | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  if (!stat) return undefined;
  const [state = '', ppid = '0'] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state, ppid: Number(ppid) };
}

/** `root` and every process below it. */
export async function processTree(root: number): Promise<number[]> {
  const parentOf = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const info = await stateAndParent(entry);
    if (info) parentOf.set(Number(entry), info.ppid);
  }
  const pids = [root];
  for (let i = 0; i < pids.length; i++)
    for (const [pid, ppid] of parentOf) if (ppid === pids[i] && !pids.includes(pid)) pids.push(pid);
  return pids;
}

/** Whether `pid` runs (a zombie has ended: only its parent has not collected it). */
export async function runs(pid: number): Promise<boolean> {
  const info = await stateAndParent(String(pid));
  return info !== undefined && info.state !== 'Z';
}
