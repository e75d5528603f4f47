// One supervised process of the session runner: started in its own process group with its output
// appended to a log file, restarted with back-off when it exits, and stopped with its whole group
// (SIGTERM, then SIGKILL). It is started through `setpriv --pdeathsig KILL`, so the kernel kills it
// when the runner dies, even by SIGKILL: nothing is left orphaned.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { Logger } from 'pino';
import { Backoff } from '../../../runtime/backoff.ts';
import type { Command } from './commands.ts';

/** A process that ran this long before exiting was healthy: the next restart is immediate again. */
const HEALTHY_AFTER_MS = 30_000;
const STOP_GRACE_MS = 5000;

export interface SupervisedOptions {
  name: string;
  command: Command;
  cwd: string;
  logFile: string;
  log: Logger;
  /** Run after each start (e.g. wait until it answers, then paint the desktop); errors are logged. */
  afterStart?: (signal: AbortSignal) => Promise<void>;
}

/** The argv that runs `command` so that it dies with its parent (this Node process). */
export function withParentDeath(command: Command): { file: string; args: string[] } {
  return { file: 'setpriv', args: ['--pdeathsig', 'KILL', '--', command.command, ...command.args] };
}

export class Supervised {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private cycle: AbortController | undefined;
  private readonly backoff = new Backoff({ initialMs: 500, maxMs: 30_000 });
  private readonly options: SupervisedOptions;

  constructor(options: SupervisedOptions) {
    this.options = options;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    const { name, command, cwd, logFile, log } = this.options;
    if (this.stopping) return;
    const fd = openSync(logFile, 'a');
    const { file, args } = withParentDeath(command);
    const child = spawn(file, args, {
      cwd,
      env: { ...process.env, ...command.env },
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    this.child = child;
    const started = Date.now();
    const cycle = (this.cycle = new AbortController());
    this.exited = new Promise((resolve) => {
      const done = (how: string) => {
        cycle.abort();
        resolve();
        if (this.stopping) return;
        if (Date.now() - started > HEALTHY_AFTER_MS) this.backoff.reset();
        const delay = this.backoff.next();
        log.warn({ process: name, exit: how, restartInMs: delay, logFile }, 'process exited; restarting');
        this.timer = setTimeout(() => {
          this.start();
        }, delay);
      };
      child.once('exit', (code, signal) => {
        done(signal ?? `code ${String(code)}`);
      });
      child.once('error', (err) => {
        done(err.message);
      });
    });
    log.info({ process: name, pid: child.pid, logFile }, 'process started');
    this.options.afterStart?.(cycle.signal).catch((err: unknown) => {
      if (!cycle.signal.aborted) log.warn({ process: name, err: (err as Error).message }, 'after start');
    });
  }

  /** Stops the process and its group (kernels, shells); resolves once the process is gone. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    this.cycle?.abort();
    const child = this.child;
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(-(child.pid ?? 0), signal);
      } catch {
        // gone already
      }
    };
    signalGroup('SIGTERM');
    const kill = setTimeout(() => {
      signalGroup('SIGKILL');
    }, STOP_GRACE_MS);
    await this.exited;
    clearTimeout(kill);
    // Children that outlived the leader (a kernel, a shell) go with the group.
    signalGroup('SIGKILL');
  }
}
