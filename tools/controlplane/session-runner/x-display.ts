// What a VNC desktop needs before its server starts: the password file vncpasswd writes (VNC
// authentication's obfuscated form, mode 0600) and a free X display number. Shared with the tests'
// desktop peer (testing/vnc.ts).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Writes `password` as `dir`/passwd in vncpasswd's format; returns the file's path. */
export async function vncPasswordFile(dir: string, password: string): Promise<string> {
  const file = join(dir, 'passwd');
  const child = spawn('vncpasswd', ['-f'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => chunks.push(c));
  child.stdin.end(`${password}\n`);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`vncpasswd exited with ${String(code)}`);
  await writeFile(file, Buffer.concat(chunks), { mode: 0o600 });
  return file;
}

/** An X display number with neither a socket nor a lock file, from 100 up (out of the way of real ones). */
export function freeDisplay(): number {
  for (;;) {
    const n = 100 + Math.floor(Math.random() * 800);
    if (!existsSync(`/tmp/.X11-unix/X${String(n)}`) && !existsSync(`/tmp/.X${String(n)}-lock`)) return n;
  }
}
