// A scientist in a real browser (Debian's Chromium, via playwright-core): signs in through the demo
// sign-in, opens a proposal, launches a notebook from the form, watches its card go from Pending to
// Running on the open Resources page without reloading (Server-Sent Events), and stops it. The
// screenshots in docs/screenshots/ come from this test.
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUP, VERSION, type AnalysisSession } from '../crds/index.ts';
import { installCrds } from '../crds/testing/api-server.ts';
import type { RunningOperator } from '../runtime/app.ts';
import { launchChromium } from '../testing/browser.ts';
import { createProposalNamespace, startTestDashboard, type TestDashboard } from '../testing/dashboard.ts';
import { eventually, testKubeConfig } from '../testing/kube.ts';
import { sessionImageObject } from '../testing/objects.ts';
import { startTestOperator } from '../testing/operator.ts';

const proposal = `MX-${String(1000 + Math.floor(Math.random() * 8000))}`;
const imageName = `t-e2e-dash-${String(Date.now() % 100000)}`;
const images = { group: GROUP, version: VERSION, plural: 'sessionimages' };
let kc: KubeConfig;
let custom: CustomObjectsApi;
let ns: { name: string; remove: () => Promise<void> };
let dashboard: TestDashboard;
let operator: RunningOperator;
let browser: Browser;

beforeAll(async () => {
  kc = testKubeConfig();
  custom = kc.makeApiClient(CustomObjectsApi);
  await installCrds();
  ns = await createProposalNamespace(kc, 'e2e-dash', proposal, ['akowalska']);
  await custom.createClusterCustomObject({
    ...images,
    body: sessionImageObject(imageName, {
      displayName: 'Notebook for e2e',
      description: 'JupyterLab with NumPy, SciPy and h5py.',
    }),
  });
  dashboard = await startTestDashboard(kc, [ns.name], ['--demo-sign-in']);
  await eventually('the image in the cache', () => dashboard.running.dashboard.caches.images.get(imageName));
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await (browser as Browser | undefined)?.close();
  await (operator as RunningOperator | undefined)?.shutdown('test done');
  await (dashboard as TestDashboard | undefined)?.stop();
  await custom.deleteClusterCustomObject({ ...images, name: imageName }).catch(() => undefined);
  await ns.remove();
});

describe('the dashboard in the browser', () => {
  it('signs in, launches a notebook, sees it reach Running live, and stops it', async () => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(msg.text());
    });
    await page.goto(`${dashboard.origin}/`);
    await page.getByRole('button', { name: 'Sign in as akowalska' }).click();
    await page.getByRole('button', { name: `Add ${proposal} to favorites` }).click();
    await expect
      .poll(() => page.getByRole('button', { name: `Remove ${proposal} from favorites` }).count())
      .toBe(1);
    await page.screenshot({ path: 'docs/screenshots/dashboard-proposals.png' });

    await page.getByRole('link', { name: proposal }).click();
    await page.getByRole('link', { name: 'Launch Notebook for e2e' }).click();
    await page.getByLabel('CPU cores').fill('1');
    await page.getByLabel('Lifetime').fill('45m');
    await page.getByLabel('Experiment session').selectOption('2025-03-12');
    await page.screenshot({ path: 'docs/screenshots/dashboard-launch.png' });
    // Without the operator the session stays Pending: its progress then shows on the open page.
    await page.getByRole('button', { name: 'Launch' }).click();
    await page.waitForURL(/\/resources#session-/);
    const card = page.locator('article.card').first();
    await expect.poll(() => card.locator('.badge').textContent()).toBe('Pending');
    await page.evaluate(() => {
      (window as unknown as { notReloaded: boolean }).notReloaded = true;
    });

    operator = await startTestOperator([ns.name]);
    const started = Date.now();
    await expect.poll(() => card.locator('.badge').textContent(), { timeout: 30_000 }).toBe('Running');
    const sessions = (await custom.listNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: ns.name,
      plural: 'analysissessions',
    })) as { items: AnalysisSession[] };
    const running = sessions.items[0];
    expect(running?.status?.phase).toBe('Running');
    // The page was not reloaded: the card changed through the event stream.
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(
      true,
    );
    await expect
      .poll(() => card.locator('dd').first().textContent())
      .toBe(running?.status?.machineName ?? '');
    process.stdout.write(
      `[e2e] Pending → Running shown ${String(Date.now() - started)} ms after the operator started\n`,
    );
    await page.screenshot({ path: 'docs/screenshots/dashboard-resources.png' });

    const [stopped] = await Promise.all([
      page.waitForResponse((res) => res.request().method() === 'POST'),
      card.getByRole('button', { name: 'Stop' }).click(),
    ]);
    expect(stopped.status(), await stopped.text().catch(() => '')).toBe(303);
    await page.waitForURL(/\/resources#session-/);
    // The page after the stop shows the wish at once (Resume), and the operator's progress live.
    await expect
      .poll(() => page.locator('article.card').first().getByRole('button', { name: 'Resume' }).count())
      .toBe(1);
    await expect
      .poll(() => page.locator('article.card').first().locator('.badge').textContent(), { timeout: 60_000 })
      .toBe('Stopped');
    expect(errors).toEqual([]);
    await context.close();
  });
});
