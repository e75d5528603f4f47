// A scientist's journeys in a real browser (Debian's Chromium via playwright-core) against the real
// dashboard, operator and local session runner: sign in, star a proposal, launch a notebook from an
// experiment session, watch its progress live (a status change measured on the open page), connect
// (JupyterLab answers through the gateway), extend (the new expiry shows), stop, resume and delete;
// then launch a desktop and connect (noVNC's canvas shows the real desktop through the gateway).
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUP, VERSION, type AnalysisSession } from '../crds/index.ts';
import { canvasPixel } from '../testing/browser.ts';
import { eventually } from '../testing/kube.ts';
import { DESKTOP_COLOUR, DESKTOP_GEOMETRY } from '../tools/controlplane/session-runner/commands.ts';
import { screenshot, startJourney, type Journey } from './support/journey.ts';

const suffix = String(Date.now() % 100000);
const notebookImage = `t-e2e-nb-${suffix}`;
const desktopImage = `t-e2e-desk-${suffix}`;
let j: Journey;

beforeAll(async () => {
  j = await startJourney({
    prefix: 'e2e-journey',
    members: ['akowalska'],
    images: {
      [notebookImage]: {
        displayName: 'Notebook for e2e',
        description: 'JupyterLab with NumPy, SciPy and h5py.',
        access: { protocol: 'http', port: 8888, basePath: '/sessions/{namespace}/{session}/' },
      },
      [desktopImage]: {
        displayName: 'Desktop for e2e',
        description: 'An Xfce-like desktop with Fiji.',
        container: { image: 'registry.example/daas/xfce-desktop:1' },
        access: { protocol: 'vnc', port: 5901 },
      },
    },
  });
}, 180_000);

afterAll(async () => {
  await (j as Journey | undefined)?.stop();
});

const card = (page: Page) => page.locator('article.card').first();
const badge = (page: Page) => card(page).locator('.badge').textContent();

async function sessionOf(namespace: string): Promise<AnalysisSession[]> {
  const list = (await j.custom.listNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace,
    plural: 'analysissessions',
  })) as { items: AnalysisSession[] };
  return list.items;
}

/**
 * Clicks a card's action and waits for its post: a live update may swap the card in the moment of
 * the click (the click then lands on the old one), so it is clicked again until the post is sent.
 */
async function act(page: Page, label: string, id?: string): Promise<void> {
  const verb = label.toLowerCase();
  await eventually(
    `${label} posted`,
    async () => {
      const posted = page
        .waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith(`/${verb}`), {
          timeout: 15_000,
        })
        .then(() => true)
        .catch(() => undefined);
      await (id ? page.locator(`#${id}`) : card(page)).getByRole('button', { name: label }).click();
      return posted;
    },
    60_000,
  );
}

/** Clicks Connect until the session's own page answers through the gateway (its server may still start). */
async function connect(page: Page, ready: string): Promise<void> {
  await eventually(
    'the session answering through the gateway',
    async () => {
      await page.goto(`${j.dashboard.origin}/resources`);
      await card(page).getByRole('button', { name: 'Connect' }).click();
      await page.waitForURL((u) => u.origin === j.dashboard.gatewayOrigin);
      return (await page
        .waitForSelector(ready, { timeout: 30_000 })
        .then(() => true)
        .catch(() => false))
        ? true
        : undefined;
    },
    150_000,
    2000,
  );
}

describe('a scientist in the browser', () => {
  it('stars a proposal, launches a notebook from an experiment session, connects, extends, stops, resumes and deletes it', async () => {
    const { page, errors, close } = await j.signIn('akowalska');
    await screenshot(page, 'dashboard-proposals');
    await page.getByRole('button', { name: `Add ${j.proposal} to favorites` }).click();
    await expect
      .poll(() => page.getByRole('button', { name: `Remove ${j.proposal} from favorites` }).count())
      .toBe(1);
    await screenshot(page, 'dashboard-favorites');

    await page.getByRole('link', { name: j.proposal }).click();
    await page.getByText('2025-03-12: Launch…').click();
    await screenshot(page, 'dashboard-proposal');
    await page.getByRole('link', { name: 'Notebook for e2e on 2025-03-12' }).click();
    // The experiment session's data is preselected.
    expect(await page.getByLabel('Experiment session').inputValue()).toBe('2025-03-12');
    await page.getByLabel('CPU cores').fill('1');
    await page.getByLabel('Lifetime').fill('45m');
    await screenshot(page, 'dashboard-launch');
    await page.getByRole('button', { name: 'Launch' }).click();
    await page.waitForURL(/\/resources#session-/);
    await expect.poll(() => badge(page)).toBe('Pending');
    const [session] = await sessionOf(j.namespace);
    if (!session) throw new Error('no session created');
    expect(session.spec.data?.mounts?.[0]).toMatchObject({ experimentSession: '2025-03-12' });

    // A status change reaches the open page within a second (no reload: the event stream).
    await page.evaluate(() => {
      (window as unknown as { notReloaded: boolean }).notReloaded = true;
    });
    const started = Date.now();
    await j.custom.patchNamespacedCustomObjectStatus(
      {
        group: GROUP,
        version: VERSION,
        namespace: j.namespace,
        plural: 'analysissessions',
        name: session.metadata.name,
        body: { status: { phase: 'Pending', message: 'Measuring how fast the page shows this.' } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await card(page).getByText('Measuring how fast the page shows this.').waitFor({ timeout: 5000 });
    const shownMs = Date.now() - started;
    process.stdout.write(`[e2e] status change → shown on the open page: ${String(shownMs)} ms\n`);
    expect(shownMs).toBeLessThan(1000);

    // Every card the stream swaps in is recorded: the user sees the operator's progress.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seen: string[] }).seen = seen;
      const record = () => {
        const c = document.querySelector('article.card');
        const entry = `${c?.querySelector('.badge')?.textContent ?? ''}|${c?.querySelector('.message')?.textContent ?? ''}`;
        if (seen.at(-1) !== entry) seen.push(entry);
      };
      new MutationObserver(record).observe(document.querySelector('[data-live]') ?? document.body, {
        childList: true,
        subtree: true,
      });
    });
    await j.startBackends();
    const operatorStarted = Date.now();
    await expect.poll(() => badge(page), { timeout: 60_000 }).toBe('Running');
    process.stdout.write(
      `[e2e] Pending → Running shown ${String(Date.now() - operatorStarted)} ms after the operator started\n`,
    );
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    process.stdout.write(`[e2e] cards seen: ${JSON.stringify(seen)}\n`);
    const phases = seen.map((s) => s.split('|')[0]);
    // Progress in order, never backwards, ending Running; each step before it with the operator's words.
    const order = ['Pending', 'Queued', 'Provisioning', 'Running'];
    expect(phases.map((p) => order.indexOf(p ?? ''))).toEqual(
      [...phases.map((p) => order.indexOf(p ?? ''))].sort((a, b) => a - b),
    );
    expect(phases.at(-1)).toBe('Running');
    for (const s of seen.filter((x) => !x.startsWith('Running|')))
      expect(s.split('|')[1], `a message with ${s}`).not.toBe('');
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(
      true,
    );
    const running = (await sessionOf(j.namespace))[0];
    await expect
      .poll(() => card(page).locator('dd').first().textContent())
      .toBe(running?.status?.machineName ?? '');
    await screenshot(page, 'dashboard-resources');

    // Connect: JupyterLab through the gateway, its API answering the page's own requests.
    await connect(page, '.jp-LabShell');
    expect(page.url()).toMatch(
      new RegExp(`^${j.dashboard.gatewayOrigin}/sessions/${j.namespace}/${session.metadata.name}/`),
    );
    const status = await page.evaluate(async () => (await fetch('api/status')).status);
    expect(status).toBe(200);
    await screenshot(page, 'dashboard-notebook');

    // Extend: the operator moves expiresAt by the image's default lifetime (1h), and the card shows it.
    await page.goto(`${j.dashboard.origin}/resources`);
    const expiry = () => card(page).locator('.expires time').getAttribute('datetime');
    const before = Date.parse((await expiry()) ?? '');
    await act(page, 'Extend');
    await page.waitForURL(/\/resources#session-/);
    await expect
      .poll(async () => Date.parse((await expiry()) ?? '') - before, { timeout: 20_000 })
      .toBe(3_600_000);

    await act(page, 'Stop');
    // The page after the stop shows the wish at once, or (if its cache lagged) from the stream.
    await expect
      .poll(() => card(page).getByRole('button', { name: 'Resume' }).count(), { timeout: 20_000 })
      .toBe(1);
    await expect.poll(() => badge(page), { timeout: 60_000 }).toBe('Stopped');
    await act(page, 'Resume');
    await expect.poll(() => badge(page), { timeout: 60_000 }).toBe('Running');
    await act(page, 'Delete');
    await expect
      .poll(() => page.locator(`#session-${j.namespace}-${session.metadata.name}`).count(), {
        timeout: 30_000,
      })
      .toBe(0);
    expect(errors).toEqual([]);
    await close();
  }, 300_000);

  it('launches a desktop and connects: the real desktop on the canvas, through the gateway', async () => {
    const { page, errors, close } = await j.signIn('akowalska');
    await page.getByRole('link', { name: j.proposal }).click();
    await page.getByRole('link', { name: 'Launch Desktop for e2e' }).click();
    await page.getByRole('button', { name: 'Launch' }).click();
    await page.waitForURL(/\/resources#session-/);
    await expect.poll(() => badge(page), { timeout: 60_000 }).toBe('Running');
    const machineName = (await card(page).locator('dd').first().textContent()) ?? '';
    const id = (await card(page).getAttribute('id')) ?? '';
    await connect(page, 'body[data-state="connected"]');
    expect(await page.title()).toBe(machineName);
    const { width, height } = DESKTOP_GEOMETRY;
    await eventually('the painted colour on the canvas', async () =>
      (await canvasPixel(page, width - 100, height - 150)) === DESKTOP_COLOUR ? true : undefined,
    );
    await screenshot(page, 'dashboard-desktop');
    await page.goto(`${j.dashboard.origin}/resources`);
    await act(page, 'Delete', id);
    await expect.poll(() => page.locator(`#${id}`).count(), { timeout: 30_000 }).toBe(0);
    expect(errors).toEqual([]);
    await close();
  }, 240_000);
});
