// The gateway in front of a real Jupyter server standing at a session pod's IP, on the local control
// plane with the real operator: a user's ticket becomes a cookie, the Jupyter API and a terminal's
// WebSocket answer through the gateway, and the browser never sees the session's token. Everything
// a user must not do is refused with 403.
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { GROUP, VERSION } from '../../crds/index.ts';
import { installCrds } from '../../crds/testing/api-server.ts';
import { redeem, startTestGateway, untilGatewayServes, type TestGateway } from '../../testing/gateway.ts';
import { startJupyter, type JupyterServer } from '../../testing/jupyter.ts';
import { createTestNamespace, eventually, testKubeConfig } from '../../testing/kube.ts';
import { sessionImageObject } from '../../testing/objects.ts';
import { startTestOperator } from '../../testing/operator.ts';
import { TestSessions } from '../../testing/sessions.ts';
import type { RunningOperator } from '../../runtime/app.ts';

const proposal = `MX-${String(1000 + Math.floor(Math.random() * 8000))}`;
const imageName = `t-gw-jupyter-${String(Date.now() % 100000)}`;
let kc: KubeConfig;
let ns: { name: string; remove: () => Promise<void> };
let operator: RunningOperator;
let gateway: TestGateway;
let sessions: TestSessions;
const jupyters: JupyterServer[] = [];
const tokens = new Map<string, string>();

async function runningWithJupyter(name: string, spec: Record<string, unknown> = {}): Promise<void> {
  await sessions.create(name, { image: imageName, ...spec });
  const s = await sessions.until(name, 'Running', (x) => x.status?.phase === 'Running');
  const secret = await kc.makeApiClient(CoreV1Api).readNamespacedSecret({
    name: s.status?.endpoint?.credentialsSecretName ?? '',
    namespace: ns.name,
  });
  const token = Buffer.from(secret.data?.token ?? '', 'base64').toString();
  tokens.set(name, token);
  jupyters.push(
    await startJupyter({
      ip: s.status?.endpoint?.host ?? '',
      port: 8888,
      token,
      baseUrl: `/sessions/${ns.name}/${name}/`,
    }),
  );
  await untilGatewayServes(gateway, 'akowalska', ns.name, name);
}

const path = (name: string, rest = '') => `${gateway.origin}/sessions/${ns.name}/${name}/${rest}`;

async function cookieFor(user: string, name: string): Promise<string> {
  const r = await redeem(gateway.ticketUrl(user, ns.name, name));
  expect(r.status).toBe(303);
  return r.cookie ?? '';
}

beforeAll(async () => {
  kc = testKubeConfig();
  await installCrds();
  ns = await createTestNamespace(kc, 'gw-jupyter', { 'daas.calipsoplus.eu/proposal': proposal });
  await kc.makeApiClient(CustomObjectsApi).createClusterCustomObject({
    group: GROUP,
    version: VERSION,
    plural: 'sessionimages',
    body: sessionImageObject(imageName, {
      // The gateway's own path, so Jupyter's links work unchanged through it.
      access: { protocol: 'http', port: 8888, basePath: '/sessions/{namespace}/{session}/' },
      activity: { signal: 'jupyter', probeInterval: '1s' },
    }),
  });
  gateway = await startTestGateway(kc, [ns.name]);
  // The operator publishes the gateway's page in status; its activity probe still reaches the pod.
  operator = await startTestOperator([ns.name], [`--gateway-url=${gateway.origin}/`]);
  sessions = new TestSessions(kc.makeApiClient(CustomObjectsApi), ns.name, {
    owner: 'akowalska',
    proposal,
    sharedWith: ['mkowalski'],
  });
  await runningWithJupyter('notebook');
}, 120_000);

afterAll(async () => {
  await gateway.stop();
  await operator.shutdown('test done');
  for (const j of jupyters) await j.stop();
  await kc
    .makeApiClient(CustomObjectsApi)
    .deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: 'sessionimages', name: imageName })
    .catch(() => undefined);
  await ns.remove();
});

describe('the gateway in front of Jupyter', () => {
  it("is what status.endpoint.url names, and the operator still reads Jupyter's activity behind it", async () => {
    const s = await sessions.until('notebook', 'probed', (x) => x.status?.lastActivityAt !== undefined);
    expect(s.status?.endpoint?.url).toBe(path('notebook'));
    expect(
      gateway.ticketUrl('akowalska', ns.name, 'notebook').startsWith(`${path('notebook')}?ticket=`),
    ).toBe(true);
  });

  it('turns a ticket into an HttpOnly cookie for the session path and serves the Jupyter API with it', async () => {
    const r = await redeem(gateway.ticketUrl('akowalska', ns.name, 'notebook'));
    expect(r.status).toBe(303);
    expect(r.location).toBe(`/sessions/${ns.name}/notebook/`);
    const cookie = r.cookie ?? '';
    expect(cookie).toMatch(/^daas_gateway=/);
    const status = await fetch(path('notebook', 'api/status'), { headers: { cookie } });
    expect(status.status).toBe(200);
    const body = (await status.json()) as { started?: string; last_activity?: string };
    expect(body.started).toBeTruthy();
    const contents = await fetch(path('notebook', 'api/contents'), { headers: { cookie } });
    expect(((await contents.json()) as { type?: string }).type).toBe('directory');
  });

  it('opens a terminal over a WebSocket through the gateway, and no answer the browser sees holds the token', async () => {
    const cookie = await cookieFor('akowalska', 'notebook');
    const created = await fetch(path('notebook', 'api/terminals'), { method: 'POST', headers: { cookie } });
    const createdText = await created.text();
    expect(created.status).toBe(200);
    const { name } = JSON.parse(createdText) as { name: string };
    const ws = new WebSocket(path('notebook', `terminals/websocket/${name}`).replace(/^http/, 'ws'), {
      headers: { cookie, origin: gateway.origin },
    });
    const seen: string[] = [];
    await new Promise<void>((resolve, reject) => {
      ws.once('error', reject);
      ws.once('open', () => {
        ws.send(JSON.stringify(['stdin', 'echo gateway-$((6*7))\r']));
      });
      ws.on('message', (data: Buffer) => {
        seen.push(data.toString());
        if (seen.join('').includes('gateway-42')) resolve();
      });
    });
    expect(gateway.running.connections.of(`${ns.name}/notebook`).open).toBe(1);
    ws.close();
    await eventually('the connection counted closed', () =>
      gateway.running.connections.of(`${ns.name}/notebook`).open === 0 ? true : undefined,
    );
    const token = tokens.get('notebook') ?? 'no token';
    expect(createdText + seen.join('')).not.toContain(token);
    expect(cookie).not.toContain(token);
  });

  it('lets a sharedWith user in, and refuses (403) anyone else, a missing cookie and a reused ticket', async () => {
    const shared = await cookieFor('mkowalski', 'notebook');
    expect((await fetch(path('notebook', 'api/status'), { headers: { cookie: shared } })).status).toBe(200);

    expect(gateway.running.gateway.issue('mallory', ns.name, 'notebook')).toEqual({
      ok: false,
      refusal: 'the session is not shared with mallory',
    });
    const none = await fetch(path('notebook', 'api/status'));
    expect(none.status).toBe(403);
    expect(await none.text()).toContain('no valid link');

    const url = gateway.ticketUrl('akowalska', ns.name, 'notebook');
    expect((await redeem(url)).status).toBe(303);
    const again = await redeem(url);
    expect(again.status).toBe(403);
    expect(again.cookie).toBeUndefined();
    expect(again.body).toContain('already used');
  });

  it('refuses a cookie or ticket of one session at another, and a WebSocket from another origin', async () => {
    await runningWithJupyter('other', { sharedWith: [] });
    const cookie = await cookieFor('akowalska', 'notebook');
    expect((await fetch(path('other', 'api/status'), { headers: { cookie } })).status).toBe(403);
    const ticket =
      new URL(gateway.ticketUrl('akowalska', ns.name, 'notebook')).searchParams.get('ticket') ?? '';
    const wrong = await redeem(`${path('other')}?ticket=${ticket}`);
    expect(wrong.status).toBe(403);
    expect(wrong.body).toContain('another session');
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(path('notebook', 'api/kernels').replace(/^http/, 'ws'), {
        headers: { cookie, origin: 'http://evil.example' },
      });
      ws.on('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
      });
      ws.on('open', () => {
        resolve(101);
      });
    });
    expect(status).toBe(403);
  });

  it('refuses an open cookie and an unused ticket once the session is stopped', async () => {
    const cookie = await cookieFor('akowalska', 'notebook');
    const url = gateway.ticketUrl('akowalska', ns.name, 'notebook');
    await sessions.patchSpec('notebook', { state: 'Stopped' });
    await eventually('the gateway seeing the session stopped', async () => {
      const res = await fetch(path('notebook', 'api/status'), { headers: { cookie } });
      return res.status === 403 ? await res.text() : undefined;
    }).then((text) => {
      expect(text).toContain('stopped');
    });
    const late = await redeem(url);
    expect(late.status).toBe(403);
    expect(late.body).toContain('stopped');
  });
});
