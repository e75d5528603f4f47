// A real VNC desktop (Debian's Xtigervnc, installed by tools/peers/install.sh) for tests, serving RFB
// with VNC authentication on a loopback address such as a fake pod's IP, its root window painted one
// colour. The X server itself listens on no TCP port, only on its Unix socket.
import { execFile, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tcpAnswers } from '../tools/controlplane/session-runner/probes.ts';
import { freeDisplay, vncPasswordFile } from '../tools/controlplane/session-runner/x-display.ts';
import { superviseUntilReady } from './peer-process.ts';

const run = promisify(execFile);

export interface VncDesktop {
  display: string;
  stop: () => Promise<void>;
}

/** Starts Xtigervnc on `ip:port` with `password`, `width`x`height`, root window `colour` (#rrggbb). */
export async function startVncDesktop(options: {
  ip: string;
  port: number;
  password: string;
  name: string;
  width?: number;
  height?: number;
  colour?: string;
  /** More Xtigervnc options, e.g. ['-BlacklistThreshold', '1000'] for many connections at once. */
  extraArgs?: string[];
}): Promise<VncDesktop> {
  await run('bash', [join(process.cwd(), 'tools/peers/install.sh')]);
  const dir = await mkdtemp(join(tmpdir(), 'daas-vnc-'));
  const passwd = await vncPasswordFile(dir, options.password);
  const n = freeDisplay();
  const display = `:${String(n)}`;
  const child = spawn(
    'Xtigervnc',
    [
      display,
      '-interface',
      options.ip,
      '-rfbport',
      String(options.port),
      '-rfbauth',
      passwd,
      '-SecurityTypes',
      'VncAuth',
      '-geometry',
      `${String(options.width ?? 1024)}x${String(options.height ?? 768)}`,
      '-depth',
      '24',
      '-desktop',
      options.name,
      '-nolisten',
      'tcp',
      '-AlwaysShared',
      ...(options.extraArgs ?? []),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const { stop } = await superviseUntilReady(
    child,
    dir,
    `Xtigervnc on ${options.ip}:${String(options.port)}`,
    () => tcpAnswers(options.ip, options.port),
    { timeoutMs: 20_000, everyMs: 100 },
  );
  if (options.colour) await run('xsetroot', ['-display', display, '-solid', options.colour]);
  return { display, stop };
}
