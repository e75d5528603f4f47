// OpenID Connect sign-in in a real browser (Debian's Chromium, via playwright-core) with a real
// OpenID provider (`oidc-provider` on 127.0.0.1): the redirects, the provider's login page, back to
// the page asked for; then Sign out, whose form answer redirects to the provider's logout (which the
// dashboard's Content-Security-Policy must let through: form-action), and back to the dashboard.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installCrds } from '../crds/testing/api-server.ts';
import { launchChromium } from '../testing/browser.ts';
import { createProposalNamespace, type TestDashboard } from '../testing/dashboard.ts';
import { testKubeConfig } from '../testing/kube.ts';
import { startDashboardWithProvider, type TestProvider } from '../testing/oidc-provider.ts';

const proposal = `MX-${String(1000 + Math.floor(Math.random() * 8000))}`;
let kc: KubeConfig;
let ns: { name: string; remove: () => Promise<void> };
let dashboard: TestDashboard;
let provider: TestProvider;
let stop: (() => Promise<void>) | undefined;
let browser: Browser;

beforeAll(async () => {
  kc = testKubeConfig();
  await installCrds();
  ns = await createProposalNamespace(kc, 'e2e-oidc', proposal, ['ewilson']);
  ({ dashboard, provider, stop } = await startDashboardWithProvider(kc, [ns.name], {
    accounts: { ewilson: { password: 'member-password', groups: [] } },
  }));
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await (browser as Browser | undefined)?.close();
  await stop?.();
  await ns.remove();
});

describe('OpenID Connect sign-in in the browser', () => {
  it('signs in at the provider, lands on the page asked for, and signs out through the provider', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const blocked: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error' && /Content Security Policy/i.test(msg.text())) blocked.push(msg.text());
    });

    await page.goto(`${dashboard.origin}/proposals/${ns.name}`);
    expect(page.url().startsWith(provider.issuer)).toBe(true);
    await page.fill('input[name=login]', 'ewilson');
    await page.fill('input[name=password]', 'member-password');
    await page.click('button');
    await page.waitForURL(`${dashboard.origin}/proposals/${ns.name}`);
    expect(await page.textContent('header')).toContain('ewilson');
    expect(await page.textContent('main')).toContain('Strain mapping in weld seams');
    const cookies = await context.cookies(dashboard.origin);
    expect(cookies.find((c) => c.name === 'daas_dashboard')).toMatchObject({
      httpOnly: true,
      sameSite: 'Lax',
    });

    await page.click('form.signout button');
    await page.waitForURL((url) => url.href.startsWith(`${provider.issuer}/session/end`));
    await page.click('button[name=logout][value=yes]');
    await page.waitForURL(`${dashboard.origin}/signed-out`);
    expect(await page.textContent('main')).toContain('You are signed out');
    expect(
      (await context.cookies(dashboard.origin)).find((c) => c.name === 'daas_dashboard'),
    ).toBeUndefined();
    expect(blocked).toEqual([]);
    await context.close();
  });
});
