// The command lines of a session's processes on the local control plane: JupyterLab for http
// sessions; Xtigervnc, the jwm window manager, an xterm and xsetroot for desktops. Pure. Each
// network listener is bound to the pod's loopback IP; the X server listens on its Unix socket only.
import { join } from 'node:path';
import type { SessionWorkload } from './workload.ts';

export interface Command {
  command: string;
  args: string[];
  env: Record<string, string>;
}

type Jupyter = Extract<SessionWorkload, { kind: 'jupyter' }>;
type Desktop = Extract<SessionWorkload, { kind: 'desktop' }>;

/** The colour desktops paint their root window (what the e2e test reads from noVNC's canvas). */
export const DESKTOP_COLOUR = '#2e6f8e';
export const DESKTOP_GEOMETRY = { width: 1280, height: 800 };

/**
 * JupyterLab at the pod's IP and port under the session's base path. The token comes in the
 * environment (JUPYTER_TOKEN, as in the pod), never on the command line where `ps` shows it.
 */
export function jupyterCommand(
  w: Jupyter,
  paths: { bin: string; root: string; state: string },
  token: string,
): Command {
  return {
    command: join(paths.bin, 'jupyter-lab'),
    args: [
      `--ServerApp.ip=${w.ip}`,
      `--ServerApp.port=${String(w.port)}`,
      '--ServerApp.port_retries=0',
      `--ServerApp.base_url=${w.basePath}`,
      `--ServerApp.root_dir=${paths.root}`,
      '--ServerApp.open_browser=False',
      '--ServerApp.allow_root=True',
      '--LabApp.news_url=',
      '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate',
    ],
    env: {
      ...w.env,
      JUPYTER_TOKEN: token,
      JUPYTER_CONFIG_DIR: join(paths.state, 'config'),
      JUPYTER_DATA_DIR: join(paths.state, 'data'),
      JUPYTER_RUNTIME_DIR: join(paths.state, 'runtime'),
    },
  };
}

/**
 * JupyterLab settings of the runner's notebooks (Jupyter's config dir, labconfig/
 * default_setting_overrides.json): never ask to fetch news or check for updates, which would reach
 * outside this machine.
 */
export const JUPYTERLAB_SETTING_OVERRIDES = {
  '@jupyterlab/apputils-extension:notification': { fetchNews: 'false', checkForUpdates: false },
};

export interface DesktopCommands {
  server: Command;
  /** Run once each time the server answers: paints the root window. */
  paint: Command;
  windowManager: Command;
  terminal: Command;
}

/** A desktop on X display `display`, serving RFB with VNC authentication at the pod's IP and port. */
export function desktopCommands(
  w: Desktop,
  paths: { passwordFile: string; wmConfig: string; home: string },
  display: string,
): DesktopCommands {
  const x = { ...w.env, DISPLAY: display, HOME: paths.home };
  const { width, height } = DESKTOP_GEOMETRY;
  return {
    server: {
      command: 'Xtigervnc',
      args: [
        display,
        '-interface',
        w.ip,
        '-rfbport',
        String(w.port),
        '-rfbauth',
        paths.passwordFile,
        '-SecurityTypes',
        'VncAuth',
        '-geometry',
        `${String(width)}x${String(height)}`,
        '-depth',
        '24',
        '-desktop',
        w.machineName,
        '-nolisten',
        'tcp',
        '-AlwaysShared',
      ],
      env: x,
    },
    paint: { command: 'xsetroot', args: ['-solid', DESKTOP_COLOUR], env: x },
    windowManager: { command: 'jwm', args: ['-f', paths.wmConfig], env: x },
    terminal: {
      command: 'xterm',
      args: [
        '-fa',
        'Monospace',
        '-fs',
        '11',
        '-geometry',
        '80x24+40+40',
        '-title',
        `${w.machineName}: terminal`,
      ],
      env: x,
    },
  };
}
