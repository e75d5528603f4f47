// OpenID Connect sign-in against a real OpenID provider (the `oidc-provider` package on 127.0.0.1)
// and the real API server: the whole redirect dance driven with fetch and cookie jars, what the
// signed-in user may see and do decided by RBAC through impersonation, sign-out through the
// provider's logout, and the answers that must be refused (state or nonce not matching, no sign-in
// started in this browser, a sign-in past its ID token's expiry).
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMINS_GROUP, GROUP, VERSION, type AnalysisSession } from '../../crds/index.ts';
import { installCrds } from '../../crds/testing/api-server.ts';
import {
  createProposalNamespace,
  DashboardUser,
  type Answer,
  type TestDashboard,
} from '../../testing/dashboard.ts';
import { eventually, testKubeConfig } from '../../testing/kube.ts';
import { sessionImageObject } from '../../testing/objects.ts';
import {
  ProviderBrowser,
  startDashboardWithProvider,
  type TestProvider,
} from '../../testing/oidc-provider.ts';

const proposal = `MX-${String(1000 + Math.floor(Math.random() * 8000))}`;
const imageName = `t-oidc-${String(Date.now() % 100000)}`;
const ACCOUNTS = {
  ewilson: { password: 'member-password', groups: [`proposal-${proposal}`] },
  tnguyen: { password: 'outsider-password', groups: ['users'] },
  rsantos: { password: 'admin-password', groups: [ADMINS_GROUP, 'system:masters'] },
  // Member of more groups than a cookie holds.
  jmanygroups: {
    password: 'many-password',
    groups: Array.from({ length: 300 }, (_, i) => `beamline-staff-group-${String(i)}`),
  },
};
type Account = keyof typeof ACCOUNTS;
const login = (user: Account) => ({ user, password: ACCOUNTS[user].password });
const ID_TOKEN_TTL = 600;

let kc: KubeConfig;
let custom: CustomObjectsApi;
let ns: { name: string; remove: () => Promise<void> };
let dashboard: TestDashboard;
let provider: TestProvider;
let stop: (() => Promise<void>) | undefined;
let whileProviderDown: Answer;

const images = { group: GROUP, version: VERSION, plural: 'sessionimages' };

beforeAll(async () => {
  kc = testKubeConfig();
  custom = kc.makeApiClient(CustomObjectsApi);
  await installCrds();
  ns = await createProposalNamespace(kc, 'oidc', proposal, ['ewilson']);
  await custom.createClusterCustomObject({ ...images, body: sessionImageObject(imageName) });
  ({ dashboard, provider, stop } = await startDashboardWithProvider(kc, [ns.name], {
    accounts: ACCOUNTS,
    idTokenTtl: ID_TOKEN_TTL,
    // First, a sign-in while the provider is down.
    beforeProvider: async (d) => {
      whileProviderDown = await new DashboardUser(d.origin).get('/signin/oidc');
    },
  }));
  await eventually('the image in the cache', () => dashboard.running.dashboard.caches.images.get(imageName));
}, 120_000);

afterAll(async () => {
  await stop?.();
  await custom.deleteClusterCustomObject({ ...images, name: imageName }).catch(() => undefined);
  await ns.remove();
});

/** A GET with the user's cookies, answered raw (for the headers). */
const rawGet = (user: DashboardUser, path: string) =>
  fetch(dashboard.origin + path, {
    redirect: 'manual',
    headers: { accept: 'text/html', cookie: [...user.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
  });

/** The dashboard's redirect to the provider, from its sign-in page. */
async function toProvider(user: DashboardUser, next = '/proposals'): Promise<string> {
  const start = await user.get(`/signin?next=${encodeURIComponent(next)}`);
  expect(start.status).toBe(303);
  expect(start.location).toBe(`/signin/oidc?next=${encodeURIComponent(next)}`);
  const redirect = await user.get(start.location ?? '');
  expect(redirect.status).toBe(303);
  const url = new URL(redirect.location ?? '');
  expect(url.origin).toBe(provider.issuer);
  expect(url.searchParams.get('code_challenge_method')).toBe('S256');
  expect(url.searchParams.get('redirect_uri')).toBe(`${dashboard.origin}/signin/callback`);
  return url.href;
}

/** Back at the dashboard from the provider: the callback, answered raw; the cookies go to the jar. */
async function callback(user: DashboardUser, location: string) {
  const url = new URL(location);
  expect(url.origin).toBe(dashboard.origin);
  const res = await rawGet(user, url.pathname + url.search);
  const cookies = res.headers.getSetCookie();
  for (const line of cookies) {
    const [pair = ''] = line.split(';');
    const eq = pair.indexOf('=');
    if (/Max-Age=0/.test(line)) user.cookies.delete(pair.slice(0, eq));
    else user.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return { status: res.status, location: res.headers.get('location'), text: await res.text(), cookies };
}

async function signIn(name: Account, next = '/proposals') {
  const user = new DashboardUser(dashboard.origin);
  const browser = new ProviderBrowser();
  const back = await callback(user, await browser.signIn(await toProvider(user, next), login(name)));
  expect(back.status).toBe(303);
  expect(back.location).toBe(next);
  return { user, browser, back };
}

/** The sign-in the cookie holds (its payload is readable; its signature is what makes it believed). */
const cookieClaims = (user: DashboardUser) =>
  JSON.parse(
    Buffer.from((user.cookies.get('daas_dashboard') ?? '').split('.')[0] ?? '', 'base64url').toString(),
  ) as { user: string; groups: string[]; method: string; expiresAt: number };

describe('OpenID Connect sign-in with a real OpenID provider', () => {
  it('says in plain words when the provider cannot be reached', () => {
    expect(whileProviderDown.status).toBe(503);
    expect(whileProviderDown.text).toContain('sign-in service');
    expect(whileProviderDown.text).toContain('cannot be reached');
  });

  it('signs a member in through the provider; RBAC, through impersonation, decides what she sees and does', async () => {
    const { user, back } = await signIn('ewilson');
    const session = back.cookies.find((c) => c.startsWith('daas_dashboard=')) ?? '';
    expect(session).toMatch(/; HttpOnly; SameSite=Lax; Max-Age=\d+$/);
    // No longer than the ID token.
    const maxAge = Number(/Max-Age=(\d+)/.exec(session)?.[1]);
    expect(maxAge).toBeLessThanOrEqual(ID_TOKEN_TTL);
    expect(maxAge).toBeGreaterThan(ID_TOKEN_TTL - 30);
    expect(cookieClaims(user)).toMatchObject({
      user: 'ewilson',
      groups: [`proposal-${proposal}`],
      method: 'oidc',
    });

    const page = await user.get('/proposals');
    expect(page.text).toContain(`>${proposal}</a>`);
    expect(page.text).toContain('<span>ewilson</span>');
    await user.get(`/proposals/${ns.name}/launch/${imageName}`);
    const launched = await user.post(`/proposals/${ns.name}/launch/${imageName}`, {
      displayName: 'signed in by OIDC',
      lifetime: '1h',
    });
    expect(launched.status).toBe(303);
    const list = (await custom.listNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: ns.name,
      plural: 'analysissessions',
    })) as { items: AnalysisSession[] };
    // The owner policy admits only the creating user: the API server saw ewilson.
    expect(list.items.find((s) => s.spec.displayName === 'signed in by OIDC')?.spec.owner).toBe('ewilson');
  });

  it("keeps an outsider out: no proposal, the API server's refusal when she posts anyway, no admin pages", async () => {
    const { user } = await signIn('tnguyen');
    expect((await user.get('/proposals')).text).not.toContain(proposal);
    expect((await user.get(`/proposals/${ns.name}`)).status).toBe(404);
    const launch = await user.post(`/proposals/${ns.name}/launch/${imageName}`, { lifetime: '1h' });
    expect(launch.status).toBe(403);
    expect(launch.text).toContain(
      'User &quot;tnguyen&quot; cannot create resource &quot;analysissessions&quot;',
    );
    expect((await user.get('/admin/images')).status).toBe(403);
    expect((await user.post(`/admin/images/${imageName}`, { displayName: 'Mine now' })).status).toBe(403);
  });

  it('makes members of the admin group (from the groups claim) admins, never with a system: group', async () => {
    const { user } = await signIn('rsantos', '/admin/images');
    expect(cookieClaims(user).groups).toEqual([ADMINS_GROUP]);
    const page = await user.get('/admin/images');
    expect(page.status).toBe(200);
    expect(page.text).toContain(imageName);
  });

  it('signs out of the dashboard and, through its logout page, of the provider', async () => {
    const { user, browser } = await signIn('ewilson');
    await user.get('/proposals');
    const out = await user.post('/signout', {});
    expect(out.status).toBe(303);
    const logout = new URL(out.location ?? '');
    expect(`${logout.origin}${logout.pathname}`).toBe(`${provider.issuer}/session/end`);
    expect(logout.searchParams.get('client_id')).toBe('daas-dashboard');
    expect(logout.searchParams.get('post_logout_redirect_uri')).toBe(`${dashboard.origin}/signed-out`);
    expect(user.cookies.has('daas_dashboard')).toBe(false);
    expect((await user.get('/proposals')).location).toMatch(/^\/signin/);

    // The provider asks to confirm, then sends the browser back to the dashboard.
    const confirm = await browser.request(logout.href);
    expect(confirm.status).toBe(200);
    const action = /<form[^>]*action="([^"]+)"/.exec(confirm.text)?.[1] ?? '';
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.text)?.[1] ?? '';
    const done = await browser.request(new URL(action, provider.issuer).href, { xsrf, logout: 'yes' });
    expect(done.location).toBe(`${dashboard.origin}/signed-out`);
    expect((await user.get('/signed-out')).text).toContain('You are signed out');
    // Signed out at the provider too: the next sign-in asks for the password again.
    await expect(browser.signIn(await toProvider(user))).rejects.toThrow('asks for a login');
  });

  it('refuses an answer whose state is not the sign-in this browser started last', async () => {
    const user = new DashboardUser(dashboard.origin);
    const first = await toProvider(user);
    await toProvider(user); // a second sign-in replaces the first one's cookie
    const back = await callback(user, await new ProviderBrowser().signIn(first, login('ewilson')));
    expect(back.status).toBe(403);
    expect(back.text).toContain('does not match the sign-in this browser started');
    expect(user.cookies.has('daas_dashboard')).toBe(false);
  });

  it('refuses an ID token whose nonce is not the one this sign-in asked for', async () => {
    const user = new DashboardUser(dashboard.origin);
    const url = new URL(await toProvider(user));
    url.searchParams.set('nonce', 'a-nonce-of-another-sign-in');
    const back = await callback(user, await new ProviderBrowser().signIn(url.href, login('ewilson')));
    expect(back.status).toBe(403);
    expect(back.text).toContain('nonce');
    expect(user.cookies.has('daas_dashboard')).toBe(false);
  });

  it('refuses an answer brought to another browser, where no sign-in was started', async () => {
    const started = new DashboardUser(dashboard.origin);
    const answer = await new ProviderBrowser().signIn(await toProvider(started), login('ewilson'));
    const elsewhere = new DashboardUser(dashboard.origin);
    const back = await callback(elsewhere, answer);
    expect(back.status).toBe(400);
    expect(back.text).toContain('No sign-in was started in this browser');
    expect(elsewhere.cookies.has('daas_dashboard')).toBe(false);
  });

  it('refuses, in words, a sign-in with more groups than a browser cookie holds', async () => {
    const user = new DashboardUser(dashboard.origin);
    const back = await callback(
      user,
      await new ProviderBrowser().signIn(await toProvider(user), login('jmanygroups')),
    );
    expect(back.status).toBe(403);
    expect(back.text).toContain('names 300 groups, more than a browser cookie holds');
    expect(user.cookies.has('daas_dashboard')).toBe(false);
  });

  it('sends a user back to sign in once the ID token her sign-in came with has expired', async () => {
    const { user } = await signIn('ewilson');
    expect((await user.get('/proposals')).status).toBe(200);
    const context = dashboard.running.dashboard;
    context.now = () => Date.now() + (ID_TOKEN_TTL + 1) * 1000;
    try {
      const later = await user.get('/proposals');
      expect(later.status).toBe(303);
      expect(later.location).toBe('/signin?next=%2Fproposals');
    } finally {
      context.now = Date.now;
    }
  });

  it('sends the security headers: no framing, no referrer, no caching, forms only to itself, the gateway and the provider', async () => {
    const { user } = await signIn('ewilson');
    const res = await rawGet(user, '/proposals');
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain(`form-action 'self' ${dashboard.gatewayOrigin} ${provider.issuer}`);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
