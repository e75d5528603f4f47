// A session's processes on the local control plane, started from its workload and its secret value:
// JupyterLab for a notebook; Xtigervnc, then (once it answers) its painted root window, the jwm
// window manager and an xterm for a desktop. Each process is supervised; stop() ends them all.
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Logger } from 'pino';
import { JUPYTERLAB_SETTING_OVERRIDES, desktopCommands, jupyterCommand } from './commands.ts';
import { jupyterAnswers, tcpAnswers, untilAnswers } from './probes.ts';
import { Supervised, type SupervisedOptions } from './supervisor.ts';
import type { SessionWorkload } from './workload.ts';
import { freeDisplay, vncPasswordFile } from './x-display.ts';

const here = dirname(fileURLToPath(import.meta.url));
export const WM_CONFIG = join(here, 'jwmrc.xml');

export interface UnitContext {
  /** Where JupyterLab is (tools/peers/install.sh prints it). */
  jupyterBin: string;
  /** Per-session files: the notebook root, Jupyter's state, the desktop's home (kept across restarts). */
  workDir: string;
  /** One log file per process. */
  logDir: string;
  log: Logger;
}

export interface Unit {
  /** Resolves once the session answers at its pod IP (false if stopped first). */
  ready: Promise<boolean>;
  stop(): Promise<void>;
}

function fileSafe(text: string): string {
  return text.replace(/[^a-zA-Z0-9._-]/g, '_');
}

/** Starts the processes of `w`, whose secret (token or password) is `secret`. */
export async function startUnit(w: SessionWorkload, secret: string, ctx: UnitContext): Promise<Unit> {
  const home = join(ctx.workDir, w.namespace, w.session);
  const state = join(home, '.daas-local');
  await mkdir(state, { recursive: true, mode: 0o700 });
  await mkdir(ctx.logDir, { recursive: true });
  const logFile = (what: string) =>
    join(ctx.logDir, `${fileSafe(w.namespace)}.${fileSafe(w.session)}.${what}.log`);
  const log = ctx.log.child({ session: `${w.namespace}/${w.session}`, address: `${w.ip}:${String(w.port)}` });
  const life = new AbortController();
  const supervise = (
    name: string,
    command: SupervisedOptions['command'],
    afterStart?: SupervisedOptions['afterStart'],
  ) =>
    new Supervised({
      name,
      command,
      cwd: home,
      logFile: logFile(name),
      log,
      ...(afterStart ? { afterStart } : {}),
    });

  if (w.kind === 'jupyter') {
    await mkdir(join(state, 'config', 'labconfig'), { recursive: true });
    await writeFile(
      join(state, 'config', 'labconfig', 'default_setting_overrides.json'),
      JSON.stringify(JUPYTERLAB_SETTING_OVERRIDES),
    );
    const lab = supervise(
      'jupyterlab',
      jupyterCommand(w, { bin: ctx.jupyterBin, root: home, state }, secret),
    );
    lab.start();
    const url = `http://${w.ip}:${String(w.port)}${w.basePath}`;
    return {
      ready: untilAnswers(() => jupyterAnswers(url, secret), life.signal),
      stop: async () => {
        life.abort();
        await lab.stop();
      },
    };
  }

  const passwordFile = await vncPasswordFile(state, secret);
  const display = `:${String(freeDisplay())}`;
  const commands = desktopCommands(w, { passwordFile, wmConfig: WM_CONFIG, home }, display);
  const run = promisify(execFile);
  const clients = [
    supervise('window-manager', commands.windowManager),
    supervise('terminal', commands.terminal),
  ];
  let clientsStarted = false;
  // After each start of the X server: wait until it answers, paint it, then start its clients once
  // (they restart by themselves, with back-off, when a restarted server drops them).
  const server = supervise('xtigervnc', commands.server, async (signal) => {
    if (!(await untilAnswers(() => tcpAnswers(w.ip, w.port), signal, 100))) return;
    await run(commands.paint.command, commands.paint.args, {
      env: { ...process.env, ...commands.paint.env },
    });
    if (!clientsStarted) for (const c of clients) c.start();
    clientsStarted = true;
  });
  server.start();
  return {
    ready: untilAnswers(() => tcpAnswers(w.ip, w.port), life.signal),
    stop: async () => {
      life.abort();
      await Promise.all(clients.map((c) => c.stop()));
      await server.stop();
    },
  };
}
