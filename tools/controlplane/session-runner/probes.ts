// Whether a session's process answers yet: a TCP connect (a VNC server) or a Jupyter server's
// /api/status with its token. Each probe gives up after a second and never throws.
import { connect } from 'node:net';

export function tcpAnswers(host: string, port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = connect({ host, port, timeout: 1000 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => {
      done(true);
    });
    socket.once('error', () => {
      done(false);
    });
    socket.once('timeout', () => {
      done(false);
    });
  });
}

export function jupyterAnswers(url: string, token: string): Promise<boolean> {
  return fetch(`${url}api/status`, {
    headers: { authorization: `token ${token}` },
    signal: AbortSignal.timeout(1000),
  })
    .then((r) => r.ok)
    .catch(() => false);
}

/** Polls `answers` every `everyMs` until it holds (true) or `signal` aborts (false). */
export async function untilAnswers(
  answers: () => Promise<boolean>,
  signal: AbortSignal,
  everyMs = 200,
): Promise<boolean> {
  while (!signal.aborted) {
    if (await answers()) return true;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return false;
}
