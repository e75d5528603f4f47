import { describe, expect, it } from 'vitest';
import { DESKTOP_COLOUR, desktopCommands, jupyterCommand } from './commands.ts';
import { withParentDeath } from './supervisor.ts';
import type { SessionWorkload } from './workload.ts';

const common = {
  key: 'proposal-mx-2451/daas-quick-look',
  namespace: 'proposal-mx-2451',
  session: 'quick-look',
  ip: '127.42.0.7',
  env: { DAAS_SESSION: 'quick-look' },
  machineName: 'zealous-hermann',
};
const notebook: SessionWorkload & { kind: 'jupyter' } = {
  ...common,
  kind: 'jupyter',
  port: 8888,
  basePath: '/sessions/proposal-mx-2451/quick-look/',
  token: { name: 'daas-quick-look', key: 'token' },
};
const desktop: SessionWorkload & { kind: 'desktop' } = {
  ...common,
  kind: 'desktop',
  port: 5901,
  password: { name: 'daas-quick-look', key: 'password' },
};

describe('jupyterCommand', () => {
  const cmd = jupyterCommand(
    notebook,
    { bin: '/venv/bin', root: '/work/nb', state: '/work/nb/.s' },
    's3cret',
  );

  it("runs JupyterLab at the pod's IP and port, under the session's base path", () => {
    expect(cmd.command).toBe('/venv/bin/jupyter-lab');
    expect(cmd.args).toEqual(
      expect.arrayContaining([
        '--ServerApp.ip=127.42.0.7',
        '--ServerApp.port=8888',
        '--ServerApp.port_retries=0',
        '--ServerApp.base_url=/sessions/proposal-mx-2451/quick-look/',
        '--ServerApp.root_dir=/work/nb',
      ]),
    );
  });

  it('passes the token in the environment, never on the command line', () => {
    expect(cmd.env.JUPYTER_TOKEN).toBe('s3cret');
    expect(cmd.args.join(' ')).not.toContain('s3cret');
    expect(cmd.env.DAAS_SESSION).toBe('quick-look');
  });
});

describe('desktopCommands', () => {
  const cmds = desktopCommands(desktop, { passwordFile: '/p', wmConfig: '/jwmrc', home: '/h' }, ':123');

  it("serves RFB with VNC authentication on the pod's IP only, and X on no TCP port", () => {
    const args = cmds.server.args.join(' ');
    expect(cmds.server.command).toBe('Xtigervnc');
    expect(cmds.server.args[0]).toBe(':123');
    expect(args).toContain('-interface 127.42.0.7 -rfbport 5901');
    expect(args).toContain('-rfbauth /p -SecurityTypes VncAuth');
    expect(args).toContain('-nolisten tcp');
    expect(args).toContain('-desktop zealous-hermann');
  });

  it('paints the root window, and runs the window manager and a terminal on the same display', () => {
    expect([cmds.paint.command, ...cmds.paint.args]).toEqual(['xsetroot', '-solid', DESKTOP_COLOUR]);
    expect([cmds.windowManager.command, ...cmds.windowManager.args]).toEqual(['jwm', '-f', '/jwmrc']);
    expect(cmds.terminal.command).toBe('xterm');
    for (const c of [cmds.paint, cmds.windowManager, cmds.terminal]) expect(c.env.DISPLAY).toBe(':123');
  });
});

describe('withParentDeath', () => {
  it('makes the kernel kill the process when the runner dies', () => {
    expect(withParentDeath({ command: 'jwm', args: ['-f', 'x'], env: {} })).toEqual({
      file: 'setpriv',
      args: ['--pdeathsig', 'KILL', '--', 'jwm', '-f', 'x'],
    });
  });
});
