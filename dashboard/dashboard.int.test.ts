// The dashboard against the real API server, as its users would use it: the demo sign-in, proposals
// from RBAC, launches refused and accepted by the API server itself (CEL message next to the field),
// session actions and image edits written as the signed-in user, CSRF and forged cookies refused,
// trusted proxy headers only from a listed address with the secret, and live updates.
import { request } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUP, VERSION, type AnalysisSession, type SessionImage } from '../crds/index.ts';
import { installCrds } from '../crds/testing/api-server.ts';
import type { RunningOperator } from '../runtime/app.ts';
import {
  createProposalNamespace,
  DashboardUser,
  startTestDashboard,
  type TestDashboard,
} from '../testing/dashboard.ts';
import { eventually, testKubeConfig } from '../testing/kube.ts';
import { sessionImageObject } from '../testing/objects.ts';
import { startTestOperator } from '../testing/operator.ts';
import { favoritesName } from './favorites/favorites.ts';

const proposal = `MX-${String(1000 + Math.floor(Math.random() * 8000))}`;
const imageName = `t-dash-${String(Date.now() % 100000)}`;
const addedImage = `${imageName}-added`;
const PROXY_SECRET = 'a-shared-secret-of-the-proxy';
let kc: KubeConfig;
let ns: { name: string; remove: () => Promise<void> };
let dashboard: TestDashboard;
let operator: RunningOperator;
let secretDir: string;
let custom: CustomObjectsApi;

const sessions = () => ({ group: GROUP, version: VERSION, namespace: ns.name, plural: 'analysissessions' });
const images = { group: GROUP, version: VERSION, plural: 'sessionimages' };

beforeAll(async () => {
  kc = testKubeConfig();
  custom = kc.makeApiClient(CustomObjectsApi);
  await installCrds();
  ns = await createProposalNamespace(kc, 'dash', proposal, ['akowalska', 'jdupont']);
  await custom.createClusterCustomObject({ ...images, body: sessionImageObject(imageName) });
  secretDir = await mkdtemp(join(tmpdir(), 'proxy-'));
  await writeFile(join(secretDir, 'secret'), PROXY_SECRET);
  dashboard = await startTestDashboard(
    kc,
    [ns.name],
    [
      '--demo-sign-in',
      '--trusted-proxies=127.0.0.9',
      `--trusted-proxy-secret-file=${join(secretDir, 'secret')}`,
    ],
  );
  operator = await startTestOperator([ns.name]);
  await eventually('the image in the cache', () => dashboard.running.dashboard.caches.images.get(imageName));
}, 120_000);

afterAll(async () => {
  // Either may be missing when beforeAll failed.
  await (dashboard as TestDashboard | undefined)?.stop();
  await (operator as RunningOperator | undefined)?.shutdown('test done');
  for (const name of [imageName, addedImage])
    await custom.deleteClusterCustomObject({ ...images, name }).catch(() => undefined);
  await ns.remove();
  await rm(secretDir, { recursive: true, force: true });
});

/** A session of akowalska's, created directly (as an admin would, or a portal). */
const createSession = (name: string) =>
  custom.createNamespacedCustomObject({
    ...sessions(),
    body: {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'AnalysisSession',
      metadata: { name },
      spec: { image: imageName, owner: 'akowalska', proposal },
    },
  });

async function signedIn(user: string): Promise<DashboardUser> {
  const agent = new DashboardUser(dashboard.origin);
  await agent.signIn(user);
  return agent;
}

const getSession = async (name: string) =>
  (await custom.getNamespacedCustomObject({ ...sessions(), name })) as AnalysisSession;

describe('the dashboard on the real API server', () => {
  it('lists the proposals RBAC makes a user a member of, and nothing of the others', async () => {
    const member = await signedIn('akowalska');
    const page = await member.get('/proposals');
    expect(page.text).toContain(`>${proposal}</a>`);
    expect(page.text).toContain('Strain mapping in weld seams');
    const proposalPage = await member.get(`/proposals/${ns.name}`);
    expect(proposalPage.text).toContain(`href="/proposals/${ns.name}/launch/${imageName}"`);
    // Each experiment session has its own Launch menu, which preselects its data on the form.
    const fromSession = `/proposals/${ns.name}/launch/${imageName}?experimentSession=2025-06-02`;
    expect(proposalPage.text).toContain(`href="${fromSession}"`);
    expect((await member.get(fromSession)).text).toMatch(/<option selected>2025-06-02<\/option>/);
    const stranger = await signedIn('mkowalski');
    expect((await stranger.get('/proposals')).text).not.toContain(proposal);
    expect((await stranger.get(`/proposals/${ns.name}`)).status).toBe(404);
  });

  it('puts the CEL refusal of the API server next to the field it names', async () => {
    const user = await signedIn('akowalska');
    await user.get(`/proposals/${ns.name}/launch/${imageName}`);
    const res = await user.post(`/proposals/${ns.name}/launch/${imageName}`, {
      sharedWith: 'akowalska',
      lifetime: '1h',
    });
    expect(res.status).toBe(422);
    expect(res.text).toMatch(
      /<p class="field-error" id="f-sharedWith-error">\s*sharedWith must not include the owner\s*<\/p>/,
    );
    expect(res.text).toContain('aria-invalid="true"');
    expect(res.text).toMatch(/value="akowalska"/);
  });

  it('launches as the user, then stops, resumes, shares, extends and deletes as the user', async () => {
    const user = await signedIn('akowalska');
    await user.get(`/proposals/${ns.name}/launch/${imageName}`);
    const launched = await user.post(`/proposals/${ns.name}/launch/${imageName}`, {
      displayName: 'first look',
      cpu: '1',
      lifetime: '30m',
      experimentSession: '2025-03-12',
    });
    expect(launched.status).toBe(303);
    const name = new RegExp(`#session-${ns.name}-(.+)$`).exec(launched.location ?? '')?.[1] ?? '';
    const created = await getSession(name);
    expect(created.spec).toMatchObject({
      owner: 'akowalska',
      proposal,
      lifetime: '30m',
      displayName: 'first look',
    });
    const resources = await eventually('the card', async () => {
      const page = await user.get('/resources');
      return page.text.includes(`id="session-${ns.name}-${name}"`) ? page : undefined;
    });
    expect(resources.text).toContain('first look');

    const act = (agent: DashboardUser, verb: string) =>
      agent.post(`/resources/${ns.name}/${name}/${verb}`, { back: '/resources' });
    // Another signed-in user's request goes as that user: the API server refuses a non-member.
    const stranger = await signedIn('mkowalski');
    const refused = await act(stranger, 'stop');
    expect(refused.status).toBe(403);
    expect(refused.text).toContain(
      'User &quot;mkowalski&quot; cannot patch resource &quot;analysissessions&quot;',
    );

    expect((await act(user, 'stop')).status).toBe(303);
    expect((await getSession(name)).spec.state).toBe('Stopped');
    expect((await act(user, 'resume')).status).toBe(303);
    expect((await getSession(name)).spec.state).toBe('Running');
    const shared = await user.post(`/resources/${ns.name}/${name}/share`, {
      sharedWith: 'jdupont',
      back: '/resources',
    });
    expect(shared.status).toBe(303);
    expect((await getSession(name)).spec.sharedWith).toEqual(['jdupont']);
    const helper = await signedIn('jdupont');
    await eventually('the shared card for jdupont', async () =>
      (await helper.get('/resources')).text.includes(`id="session-${ns.name}-${name}"`) ? true : undefined,
    );
    const selfShare = await user.post(`/resources/${ns.name}/${name}/share`, { sharedWith: 'akowalska' });
    expect(selfShare.status).toBe(422);
    expect(selfShare.text).toContain('sharedWith must not include the owner');
    expect((await act(user, 'extend')).status).toBe(303);
    // 30m plus the image's default lifetime (1h), within its maximum (2h).
    expect((await getSession(name)).spec.lifetime).toBe('1h30m');
    expect((await act(user, 'delete')).status).toBe(303);
    await eventually('the session gone', () =>
      getSession(name).then(
        () => undefined,
        () => true,
      ),
    );
  });

  it("refuses a non-member's launch with the API server's words", async () => {
    const stranger = await signedIn('mkowalski');
    const res = await stranger.post(`/proposals/${ns.name}/launch/${imageName}`, { lifetime: '1h' });
    expect(res.status).toBe(403);
    expect(res.text).toContain(
      'User &quot;mkowalski&quot; cannot create resource &quot;analysissessions&quot;',
    );
  });

  it('lets an admin add and edit images with the refusals next to the fields, and nobody else', async () => {
    const scientist = await signedIn('akowalska');
    expect((await scientist.get('/admin/images')).status).toBe(403);
    expect((await scientist.post(`/admin/images/${imageName}`, { displayName: 'Mine now' })).status).toBe(
      403,
    );

    const admin = await signedIn('lmartin');
    const form = await admin.get(`/admin/images/${imageName}`);
    expect(form.status).toBe(200);
    const fields = {
      displayName: 'Edited by the admin',
      image: 'quay.io/jupyter/scipy-notebook:2025-06-02',
      protocol: 'http',
      port: '8888',
      defaultCpu: '4',
      maxCpu: '2',
      defaultMemory: '2Gi',
      maxMemory: '4Gi',
      defaultLifetime: '1h',
      maxLifetime: '2h',
      everyone: 'on',
    };
    const refused = await admin.post(`/admin/images/${imageName}`, fields);
    expect(refused.status).toBe(422);
    expect(refused.text).toMatch(/id="f-defaultCpu-error">\s*default.cpu must not exceed max.cpu/);
    expect((await admin.post(`/admin/images/${imageName}`, { ...fields, defaultCpu: '1' })).status).toBe(303);
    const edited = (await custom.getClusterCustomObject({ ...images, name: imageName })) as SessionImage;
    expect(edited.spec.displayName).toBe('Edited by the admin');
    expect(edited.spec.resources?.max?.cpu).toBe(2);

    await admin.get('/admin/images/new');
    const added = await admin.post('/admin/images', {
      ...fields,
      name: addedImage,
      defaultCpu: '1',
      protocol: 'vnc',
      port: '5901',
    });
    expect(added.status).toBe(303);
    await eventually('the new image offered to a scientist', async () =>
      (await scientist.get(`/proposals/${ns.name}`)).text.includes(`/launch/${addedImage}"`)
        ? true
        : undefined,
    );
  });

  it('refuses a form without the CSRF token, a forged cookie, and a sign-in form from elsewhere', async () => {
    const user = await signedIn('akowalska');
    const noToken = await user.post(`/favorites/${ns.name}`, { _csrf: null });
    expect(noToken.status).toBe(403);
    expect(noToken.text).toContain('no valid CSRF token');
    const [body = '', mac = ''] = (user.cookies.get('daas_dashboard') ?? '').split('.');
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as object;
    const forged = new DashboardUser(dashboard.origin);
    forged.cookies.set(
      'daas_dashboard',
      `${Buffer.from(JSON.stringify({ ...claims, groups: ['daas:admins'] })).toString('base64url')}.${mac}`,
    );
    const res = await forged.get('/admin/images');
    expect(res.status).toBe(303);
    expect(res.location).toMatch(/^\/signin/);
    const direct = new DashboardUser(dashboard.origin);
    expect((await direct.post('/signin', { user: 'lmartin', _csrf: null })).status).toBe(403);
  });

  it('keeps favorites in the cluster, so they follow the user', async () => {
    const user = await signedIn('jdupont');
    expect((await user.post(`/favorites/${ns.name}`, {})).status).toBe(303);
    const cm = await kc
      .makeApiClient(CoreV1Api)
      .readNamespacedConfigMap({ namespace: ns.name, name: favoritesName('jdupont') });
    expect(JSON.parse(cm.data?.proposals ?? '[]')).toEqual([ns.name]);
    const elsewhere = await signedIn('jdupont');
    expect((await elsewhere.get('/proposals')).text).toContain('aria-pressed="true"');
  });

  it('believes identity headers only from a listed proxy that shows the secret', async () => {
    const ask = (localAddress: string, secret: string) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const url = new URL('/proposals', dashboard.origin);
        const req = request(
          url,
          { localAddress, headers: { 'x-forwarded-user': 'akowalska', 'x-daas-proxy-secret': secret } },
          (res) => {
            let text = '';
            res.on('data', (c: Buffer) => (text += c.toString()));
            res.on('end', () => {
              resolve({ status: res.statusCode ?? 0, text });
            });
          },
        );
        req.on('error', reject);
        req.end();
      });
    const fromProxy = await ask('127.0.0.9', PROXY_SECRET);
    expect(fromProxy.status).toBe(200);
    expect(fromProxy.text).toContain(`>${proposal}</a>`);
    expect((await ask('127.0.0.9', 'guessed')).status).toBe(403);
    const elsewhere = await ask('127.0.0.1', PROXY_SECRET);
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.text).toContain('not a trusted proxy');
  });

  it("connects through the embedded gateway with a ticket, only for the session's users", async () => {
    const name = `connect-${String(Date.now() % 100000)}`;
    await createSession(name);
    const owner = await signedIn('akowalska');
    await eventually(
      'the Connect button',
      async () => ((await owner.get('/resources')).text.includes(`/${name}/connect"`) ? true : undefined),
      60_000,
    );
    const res = await owner.post(`/resources/${ns.name}/${name}/connect`, { back: '/resources' });
    expect(res.status).toBe(303);
    expect(res.location).toMatch(
      new RegExp(`^${dashboard.gatewayOrigin}/sessions/${ns.name}/${name}/\\?ticket=`),
    );
    const member = await signedIn('jdupont');
    const refused = await member.post(`/resources/${ns.name}/${name}/connect`, { back: '/resources' });
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('Cannot connect: the session is not shared with jdupont');
  });

  it('streams a status change to an open page within a second', async () => {
    const name = `live-${String(Date.now() % 100000)}`;
    await createSession(name);
    const user = await signedIn('akowalska');
    const stream = await fetch(`${dashboard.origin}/events?view=mine`, {
      headers: { cookie: [...user.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = stream.body?.getReader();
    if (!reader) throw new Error('no body');
    const decoder = new TextDecoder();
    let seen = '';
    const until = async (text: string) => {
      while (!seen.includes(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        seen += decoder.decode(value);
      }
    };
    const started = performance.now();
    await custom.patchNamespacedCustomObject(
      { ...sessions(), name, body: { spec: { displayName: 'renamed live' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await until('renamed live');
    const latency = performance.now() - started;
    process.stdout.write(`[dashboard] patch sent → card on the open stream: ${latency.toFixed(0)} ms\n`);
    expect(latency).toBeLessThan(1000);
    // Another user's stream never carries this session.
    const other = await signedIn('jdupont');
    const otherStream = await fetch(`${dashboard.origin}/events?view=mine`, {
      headers: { cookie: [...other.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    const otherReader = otherStream.body?.getReader();
    const first = await otherReader?.read();
    expect(decoder.decode(first?.value)).not.toContain(name);
    await otherReader?.cancel();
    await reader.cancel();
  });

  it('stops every matching session at once for an admin, and for nobody else', async () => {
    const names = ['bulk-a', 'bulk-b'];
    for (const name of names) await createSession(name);
    const scientist = await signedIn('akowalska');
    expect((await scientist.post('/admin/sessions/stop', { user: 'akowalska' })).status).toBe(403);
    const admin = await signedIn('lmartin');
    const page = await eventually('the sessions in the admin list', async () => {
      const res = await admin.get(`/admin/sessions?proposal=${proposal}&user=akowalska`);
      return names.every((n) => res.text.includes(`id="session-${ns.name}-${n}"`)) ? res : undefined;
    });
    expect(page.text).toMatch(/Stop the \d+ running sessions that match/);
    const res = await admin.post('/admin/sessions/stop', { proposal, user: 'akowalska' });
    expect(res.status).toBe(303);
    expect(res.location).toBe(`/admin/sessions?proposal=${proposal}&user=akowalska`);
    for (const name of names) expect((await getSession(name)).spec.state).toBe('Stopped');
  });
});
