// A user opens their notebook session in a real browser (Debian's Chromium, via playwright-core):
// the ticket link from status leads to the Jupyter server at the session pod's IP through the
// gateway, the Jupyter API answers the page's own requests, and no URL, response or cookie the
// browser sees holds the session's token.
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUP, VERSION } from '../crds/index.ts';
import { installCrds } from '../crds/testing/api-server.ts';
import type { RunningOperator } from '../runtime/app.ts';
import { launchChromium } from '../testing/browser.ts';
import { startTestGateway, untilGatewayServes, type TestGateway } from '../testing/gateway.ts';
import { startJupyter, type JupyterServer } from '../testing/jupyter.ts';
import { createTestNamespace, testKubeConfig } from '../testing/kube.ts';
import { sessionImageObject } from '../testing/objects.ts';
import { startTestOperator } from '../testing/operator.ts';
import { TestSessions } from '../testing/sessions.ts';

const proposal = `MX-${String(1000 + Math.floor(Math.random() * 8000))}`;
const imageName = `t-e2e-notebook-${String(Date.now() % 100000)}`;
let kc: KubeConfig;
let ns: { name: string; remove: () => Promise<void> };
let gateway: TestGateway;
let operator: RunningOperator;
let jupyter: JupyterServer;
let browser: Browser;
let token = '';

beforeAll(async () => {
  kc = testKubeConfig();
  await installCrds();
  ns = await createTestNamespace(kc, 'e2e-nb', { 'daas.calipsoplus.eu/proposal': proposal });
  const custom = kc.makeApiClient(CustomObjectsApi);
  await custom.createClusterCustomObject({
    group: GROUP,
    version: VERSION,
    plural: 'sessionimages',
    body: sessionImageObject(imageName, {
      access: { protocol: 'http', port: 8888, basePath: '/sessions/{namespace}/{session}/' },
    }),
  });
  gateway = await startTestGateway(kc, [ns.name]);
  operator = await startTestOperator([ns.name], [`--gateway-url=${gateway.origin}/`]);
  const sessions = new TestSessions(custom, ns.name, { owner: 'akowalska', proposal });
  await sessions.create('notebook', { image: imageName });
  const s = await sessions.until('notebook', 'Running', (x) => x.status?.phase === 'Running');
  const secret = await kc.makeApiClient(CoreV1Api).readNamespacedSecret({
    name: s.status?.endpoint?.credentialsSecretName ?? '',
    namespace: ns.name,
  });
  token = Buffer.from(secret.data?.token ?? '', 'base64').toString();
  jupyter = await startJupyter({
    ip: s.status?.endpoint?.host ?? '',
    port: 8888,
    token,
    baseUrl: `/sessions/${ns.name}/notebook/`,
  });
  await untilGatewayServes(gateway, 'akowalska', ns.name, 'notebook');
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser.close();
  await gateway.stop();
  await operator.shutdown('test done');
  await jupyter.stop();
  await kc
    .makeApiClient(CustomObjectsApi)
    .deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: 'sessionimages', name: imageName })
    .catch(() => undefined);
  await ns.remove();
});

describe('a notebook in the browser', () => {
  it("answers the page's Jupyter API calls through the gateway, and the browser never sees the token", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const seen: string[] = [];
    const bodies: Promise<unknown>[] = [];
    page.on('response', (res) => {
      seen.push(res.url(), JSON.stringify(res.headers()));
      // Redirects have no body to read.
      bodies.push(
        res.text().then(
          (body) => seen.push(body),
          () => undefined,
        ),
      );
    });
    await page.goto(gateway.ticketUrl('akowalska', ns.name, 'notebook'));
    expect(page.url()).toBe(`${gateway.origin}/sessions/${ns.name}/notebook/`);
    // The page's own scripts call the API with nothing but the gateway cookie.
    const status = await page.evaluate(async () => {
      const res = await fetch('api/status');
      return { code: res.status, body: (await res.json()) as { started?: string } };
    });
    expect(status.code).toBe(200);
    expect(status.body.started).toBeTruthy();
    const created = await page.evaluate(async () => {
      const res = await fetch('api/contents', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'notebook' }),
      });
      return { code: res.status, body: (await res.json()) as { name?: string } };
    });
    expect(created.code).toBe(201);
    expect(created.body.name).toMatch(/\.ipynb$/);
    const cookies = await context.cookies();
    // The gateway's cookie, and Jupyter's XSRF cookie (no credential); not Jupyter's login cookie.
    expect(cookies.map((c) => [c.name, c.httpOnly, c.sameSite, c.path]).sort()).toEqual([
      ['_xsrf', false, 'Lax', `/sessions/${ns.name}/notebook/`],
      ['daas_gateway', true, 'Strict', `/sessions/${ns.name}/notebook/`],
    ]);
    await Promise.all(bodies);
    expect(seen.some((text) => text.includes('<html'))).toBe(true);
    for (const text of [...seen, page.url(), ...cookies.map((c) => c.value)])
      expect(text).not.toContain(token);
    await context.close();
  });
});
