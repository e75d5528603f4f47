// The activity probe against a real Jupyter server on a loopback address (as on a fake pod's IP).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJupyter, type JupyterServer } from '../../../testing/jupyter.ts';
import { probeJupyter } from './jupyter.ts';
import { sleep } from '../../../runtime/time.ts';

let jupyter: JupyterServer;
const ip = '127.1.200.7';
const port = 20000 + Math.floor(Math.random() * 20000);

beforeAll(async () => {
  jupyter = await startJupyter({
    ip,
    port,
    token: randomBytes(16).toString('hex'),
    baseUrl: '/session/abc/',
  });
}, 60_000);

afterAll(async () => {
  await jupyter.stop();
});

describe('jupyter activity probe', () => {
  it('reads last_activity, and sees it move when the user works', async () => {
    const first = await probeJupyter(jupyter.url, jupyter.token);
    if (!first.ok) throw new Error(first.error);
    await sleep(1100);
    // The user's browser lists their files: an authenticated API request is activity.
    const res = await fetch(`${jupyter.url}api/contents`, {
      headers: { authorization: `token ${jupyter.token}` },
    });
    expect(res.ok).toBe(true);
    const second = await probeJupyter(jupyter.url, jupyter.token);
    if (!second.ok) throw new Error(second.error);
    expect(second.lastActivity.getTime()).toBeGreaterThan(first.lastActivity.getTime());
  });

  it('probing does not count as activity', async () => {
    const a = await probeJupyter(jupyter.url, jupyter.token);
    await sleep(1100);
    const b = await probeJupyter(jupyter.url, jupyter.token);
    if (!a.ok || !b.ok) throw new Error('probe failed');
    expect(b.lastActivity.getTime()).toBe(a.lastActivity.getTime());
  });

  it('reports failure with a wrong token and with no server, never a time', async () => {
    expect(await probeJupyter(jupyter.url, 'wrong')).toMatchObject({
      ok: false,
      error: expect.stringContaining('403') as string,
    });
    const dead = await probeJupyter(`http://127.1.200.8:${String(port)}/`, jupyter.token, 1000);
    expect(dead.ok).toBe(false);
  });
});
