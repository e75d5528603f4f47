// The gateway in front of a real VNC desktop (Xtigervnc) standing at a session pod's IP, on the local
// control plane with the real operator: a browser-like RFB client redeems a ticket, opens the noVNC
// page's tunnel, completes the handshake with security type None, reads ServerInit and the colour the
// desktop painted, and never receives the session's VNC password.
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUP, VERSION } from '../../crds/index.ts';
import { installCrds } from '../../crds/testing/api-server.ts';
import { redeem, startTestGateway, untilGatewayServes, type TestGateway } from '../../testing/gateway.ts';
import { createTestNamespace, eventually, testKubeConfig } from '../../testing/kube.ts';
import { sessionImageObject } from '../../testing/objects.ts';
import { startTestOperator } from '../../testing/operator.ts';
import { RfbClient } from '../../testing/rfb-client.ts';
import { TestSessions } from '../../testing/sessions.ts';
import { startVncDesktop, type VncDesktop } from '../../testing/vnc.ts';
import type { RunningOperator } from '../../runtime/app.ts';

const proposal = `MX-${String(1000 + Math.floor(Math.random() * 8000))}`;
const imageName = `t-gw-desktop-${String(Date.now() % 100000)}`;
const COLOUR = '#3366cc';
let kc: KubeConfig;
let ns: { name: string; remove: () => Promise<void> };
let operator: RunningOperator;
let gateway: TestGateway;
let sessions: TestSessions;
let desktop: VncDesktop;
let password = '';

const path = (rest = '') => `${gateway.origin}/sessions/${ns.name}/desktop/${rest}`;
const wsUrl = () => path('websockify').replace(/^http/, 'ws');

async function cookie(user = 'akowalska'): Promise<string> {
  const r = await redeem(gateway.ticketUrl(user, ns.name, 'desktop'));
  expect(r.status).toBe(303);
  return r.cookie ?? '';
}

beforeAll(async () => {
  kc = testKubeConfig();
  await installCrds();
  ns = await createTestNamespace(kc, 'gw-vnc', { 'daas.calipsoplus.eu/proposal': proposal });
  await kc.makeApiClient(CustomObjectsApi).createClusterCustomObject({
    group: GROUP,
    version: VERSION,
    plural: 'sessionimages',
    body: sessionImageObject(imageName, {
      container: { image: 'registry.example/daas/xfce-desktop:1' },
      access: { protocol: 'vnc', port: 5901 },
    }),
  });
  operator = await startTestOperator([ns.name]);
  gateway = await startTestGateway(kc, [ns.name]);
  sessions = new TestSessions(kc.makeApiClient(CustomObjectsApi), ns.name, { owner: 'akowalska', proposal });
  await sessions.create('desktop', { image: imageName, sharedWith: ['mkowalski'] });
  const s = await sessions.until('desktop', 'Running', (x) => x.status?.phase === 'Running');
  const secret = await kc.makeApiClient(CoreV1Api).readNamespacedSecret({
    name: s.status?.endpoint?.credentialsSecretName ?? '',
    namespace: ns.name,
  });
  password = Buffer.from(secret.data?.password ?? '', 'base64').toString();
  expect(password).toHaveLength(8);
  desktop = await startVncDesktop({
    ip: s.status?.endpoint?.host ?? '',
    port: 5901,
    password,
    name: 'zealous-desktop',
    colour: COLOUR,
  });
  await untilGatewayServes(gateway, 'akowalska', ns.name, 'desktop');
}, 120_000);

afterAll(async () => {
  await gateway.stop();
  await operator.shutdown('test done');
  await desktop.stop();
  await kc
    .makeApiClient(CustomObjectsApi)
    .deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: 'sessionimages', name: imageName })
    .catch(() => undefined);
  await ns.remove();
});

describe('the gateway in front of a VNC desktop', () => {
  it('serves the noVNC page and client after a ticket, with no credential in them', async () => {
    const c = await cookie();
    const page = await fetch(path(), { headers: { cookie: c } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("connect-src 'self'");
    const html = await page.text();
    expect(html).toContain('/assets/vnc-client.js');
    const script = await (await fetch(`${gateway.origin}/assets/vnc-client.js`)).text();
    expect(script).toContain("import RFB from '/novnc/core/rfb.js'");
    const rfb = await fetch(`${gateway.origin}/novnc/core/rfb.js`);
    expect(rfb.headers.get('content-type')).toContain('javascript');
    expect(await rfb.text()).toContain('export default class RFB');
    for (const text of [html, script]) expect(text).not.toContain(password);
    expect((await fetch(`${gateway.origin}/novnc/../package.json`)).status).toBe(404);
  });

  it('tunnels RFB: the browser gets security type None, ServerInit and the desktop colour, never the password', async () => {
    const client = await RfbClient.open(wsUrl(), { cookie: await cookie(), origin: gateway.origin });
    const init = await client.handshake();
    expect(client.offered).toEqual([1]);
    expect(init).toMatchObject({ width: 1024, height: 768, name: 'zealous-desktop' });
    expect(await client.pixel(10, 10)).toBe(COLOUR);
    expect(gateway.running.connections.of(`${ns.name}/desktop`)).toMatchObject({ open: 1 });
    const all = Buffer.concat(client.received);
    expect(all.includes(Buffer.from(password))).toBe(false);
    client.close();
    await eventually('the tunnel counted closed', () =>
      gateway.running.connections.of(`${ns.name}/desktop`).open === 0 ? true : undefined,
    );
  });

  it('lets a sharedWith user in, and refuses (403) a missing cookie, another origin and another user', async () => {
    const shared = await RfbClient.open(wsUrl(), {
      cookie: await cookie('mkowalski'),
      origin: gateway.origin,
    });
    expect((await shared.handshake()).name).toBe('zealous-desktop');
    shared.close();
    await expect(RfbClient.open(wsUrl(), { origin: gateway.origin })).rejects.toThrow('HTTP 403');
    await expect(
      RfbClient.open(wsUrl(), { cookie: await cookie(), origin: 'http://evil.example' }),
    ).rejects.toThrow('HTTP 403');
    expect(gateway.running.gateway.issue('mallory', ns.name, 'desktop')).toMatchObject({ ok: false });
  });

  it('refuses the tunnel once the session is stopped', async () => {
    const c = await cookie();
    await sessions.patchSpec('desktop', { state: 'Stopped' });
    await eventually('the gateway refusing the stopped session', async () => {
      const refused = await RfbClient.open(wsUrl(), { cookie: c, origin: gateway.origin }).then(
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
