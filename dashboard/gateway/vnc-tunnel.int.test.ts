// The gateway in front of a real VNC desktop (Xtigervnc) standing at a session pod's IP, on the local
// control plane with the real operator: a browser-like RFB client redeems a ticket, opens the noVNC
// page's tunnel, completes the handshake with security type None, reads ServerInit and the colour the
// desktop painted, and never receives the session's VNC password.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDesktopSession, type DesktopSession } from '../../testing/desktop-session.ts';
import { redeem } from '../../testing/gateway.ts';
import { eventually } from '../../testing/kube.ts';
import { RfbClient } from '../../testing/rfb-client.ts';

const COLOUR = '#3366cc';
let d: DesktopSession;

const path = (rest = '') => `${d.gateway.origin}/sessions/${d.namespace}/desktop/${rest}`;
const wsUrl = () => path('websockify').replace(/^http/, 'ws');

async function cookie(user = 'akowalska'): Promise<string> {
  const r = await redeem(d.gateway.ticketUrl(user, d.namespace, 'desktop'));
  expect(r.status).toBe(303);
  return r.cookie ?? '';
}

beforeAll(async () => {
  d = await startDesktopSession({
    prefix: 'gw-vnc',
    owner: 'akowalska',
    sharedWith: ['mkowalski'],
    desktopName: 'zealous-desktop',
    colour: COLOUR,
  });
}, 120_000);

afterAll(async () => {
  await d.stop();
});

describe('the gateway in front of a VNC desktop', () => {
  it('serves the noVNC page and client after a ticket, with no credential in them', async () => {
    expect((await d.sessions.get('desktop')).status?.endpoint?.url).toBe(path());
    const c = await cookie();
    const page = await fetch(path(), { headers: { cookie: c } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("connect-src 'self'");
    const html = await page.text();
    expect(html).toContain('/assets/vnc-client.js');
    const script = await (await fetch(`${d.gateway.origin}/assets/vnc-client.js`)).text();
    expect(script).toContain("import RFB from '/novnc/core/rfb.js'");
    const rfb = await fetch(`${d.gateway.origin}/novnc/core/rfb.js`);
    expect(rfb.headers.get('content-type')).toContain('javascript');
    expect(await rfb.text()).toContain('export default class RFB');
    for (const text of [html, script]) expect(text).not.toContain(d.password);
    expect((await fetch(`${d.gateway.origin}/novnc/../package.json`)).status).toBe(404);
  });

  it('tunnels RFB: the browser gets security type None, ServerInit and the desktop colour, never the password', async () => {
    const client = await RfbClient.open(wsUrl(), { cookie: await cookie(), origin: d.gateway.origin });
    const init = await client.handshake();
    expect(client.offered).toEqual([1]);
    expect(init).toMatchObject({ width: 1024, height: 768, name: 'zealous-desktop' });
    expect(await client.pixel(10, 10)).toBe(COLOUR);
    expect(d.gateway.running.connections.of(`${d.namespace}/desktop`)).toMatchObject({ open: 1 });
    const all = Buffer.concat(client.received);
    expect(all.includes(Buffer.from(d.password))).toBe(false);
    client.close();
    await eventually('the tunnel counted closed', () =>
      d.gateway.running.connections.of(`${d.namespace}/desktop`).open === 0 ? true : undefined,
    );
  });

  it('lets a sharedWith user in, and refuses (403) a missing cookie, another origin and another user', async () => {
    const shared = await RfbClient.open(wsUrl(), {
      cookie: await cookie('mkowalski'),
      origin: d.gateway.origin,
    });
    expect((await shared.handshake()).name).toBe('zealous-desktop');
    shared.close();
    await expect(RfbClient.open(wsUrl(), { origin: d.gateway.origin })).rejects.toThrow('HTTP 403');
    await expect(
      RfbClient.open(wsUrl(), { cookie: await cookie(), origin: 'http://evil.example' }),
    ).rejects.toThrow('HTTP 403');
    expect(d.gateway.running.gateway.issue('mallory', d.namespace, 'desktop')).toMatchObject({ ok: false });
  });

  it('refuses the tunnel once the session is stopped', async () => {
    const c = await cookie();
    await d.sessions.patchSpec('desktop', { state: 'Stopped' });
    await eventually('the gateway refusing the stopped session', async () => {
      const refused = await RfbClient.open(wsUrl(), { cookie: c, origin: d.gateway.origin }).then(
        (client) => {
          client.close();
          return false;
        },
        (err: unknown) => (err as Error).message === 'HTTP 403',
      );
      return refused ? true : undefined;
    });
  });
});
