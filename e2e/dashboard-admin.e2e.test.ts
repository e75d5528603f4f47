// The facility admin in a real browser (Debian's Chromium via playwright-core) against the real
// dashboard and operator: adds an image through the form (the API server's refusal first, next to
// its field), and a scientist then finds it in the proposal's launch menu; the admin pages (all
// sessions, capacity with the GPU status, users against quota) and the scientist's quotas show what
// the cluster holds. A scientist cannot open the admin pages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_VERSION, GROUP, VERSION } from '../crds/index.ts';
import { screenshot, startJourney, type Journey } from './support/journey.ts';

const suffix = String(Date.now() % 100000);
const gpuImage = `t-e2e-gpu-${suffix}`;
const added = `t-e2e-added-${suffix}`;
const quotaName = `t-e2e-admin-${suffix}`;
const quotas = { group: GROUP, version: VERSION, plural: 'quotas' };
let j: Journey;

beforeAll(async () => {
  j = await startJourney({
    prefix: 'e2e-admin',
    members: ['akowalska', 'jdupont'],
    images: {
      [gpuImage]: {
        displayName: 'GPU notebook',
        description: 'JupyterLab with PyTorch, for reconstructions on a GPU.',
        resources: { default: { cpu: 1, memory: '2Gi' }, max: { cpu: 2, memory: '4Gi', gpus: 2 } },
      },
    },
  });
  // A quota of this proposal only: the cluster is shared with other tests.
  await j.custom.createClusterCustomObject({
    ...quotas,
    body: {
      apiVersion: API_VERSION,
      kind: 'Quota',
      metadata: { name: quotaName },
      spec: {
        subject: { kind: 'Proposal', name: j.proposal },
        limits: { sessions: 10, cpu: '8', gpus: 4 },
        description: 'What proposal sessions may use together.',
      },
    },
  });
  for (const [name, owner] of [
    ['reconstruction', 'akowalska'],
    ['quick-look', 'akowalska'],
    ['fit-peaks', 'jdupont'],
  ] as const)
    await j.custom.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      plural: 'analysissessions',
      namespace: j.namespace,
      body: {
        apiVersion: API_VERSION,
        kind: 'AnalysisSession',
        metadata: { name },
        spec: { image: gpuImage, owner, proposal: j.proposal, resources: { cpu: 1 } },
      },
    });
  await j.startBackends({ runner: false, quotas: true });
}, 180_000);

afterAll(async () => {
  await j.custom.deleteClusterCustomObject({ ...quotas, name: quotaName }).catch(() => undefined);
  await j.custom
    .deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: 'sessionimages', name: added })
    .catch(() => undefined);
  await (j as Journey | undefined)?.stop();
});

describe('the admin in the browser', () => {
  it('adds an image through the form, and a scientist sees it in the launch menu', async () => {
    const admin = await j.signIn('lmartin');
    const { page } = admin;
    await page.getByRole('link', { name: 'Catalogue' }).click();
    await expect.poll(() => page.getByRole('link', { name: gpuImage, exact: true }).count()).toBe(1);
    await screenshot(page, 'dashboard-catalogue');
    await page.getByRole('link', { name: 'Add a container image' }).click();
    await page.getByLabel('Name', { exact: true }).fill(added);
    await page.getByLabel('Display name').fill('Fiji for e2e');
    await page.getByLabel('Description').fill('Fiji/ImageJ for tomography slices.');
    await page.getByLabel('Container image').fill('quay.io/facility/fiji:1.54');
    await page.getByLabel('Protocol').selectOption('vnc');
    await page.getByLabel('Port').fill('5901');
    await page.getByLabel('Base path (http)').fill('');
    await page.getByLabel('Maximum lifetime').fill('800h');
    await page.getByRole('button', { name: 'Add image' }).click();
    // The API server's own rule, next to the field it names.
    const error = page.locator('#f-maxLifetime-error');
    await expect.poll(() => error.textContent()).toMatch(/720h/);
    expect(await page.getByLabel('Maximum lifetime').getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, 'dashboard-image-form', true);
    await page.getByLabel('Maximum lifetime').fill('72h');
    await page.getByRole('button', { name: 'Add image' }).click();
    await page.waitForURL(/\/admin\/images$/);
    await expect.poll(() => page.getByRole('link', { name: added, exact: true }).count()).toBe(1);
    await page.goto(`${j.dashboard.origin}/admin/images/new?runtime=vm`);
    await screenshot(page, 'dashboard-vm-image-form', true);

    const scientist = await j.signIn('akowalska');
    await scientist.page.getByRole('link', { name: j.proposal }).click();
    await expect
      .poll(
        async () => {
          await scientist.page.reload();
          return scientist.page.getByRole('link', { name: 'Launch Fiji for e2e' }).count();
        },
        { timeout: 10_000 },
      )
      .toBe(1);
    // The admin pages are not the scientist's.
    await scientist.page.goto(`${j.dashboard.origin}/admin/images`);
    expect(await scientist.page.getByRole('alert').textContent()).toContain(
      'Only facility admins may open this page.',
    );
    expect([...admin.errors, ...scientist.errors]).toEqual([]);
    await scientist.close();
    await admin.close();
  });

  it('shows all sessions, capacity with the GPU status, users against quota, and the quotas', async () => {
    const admin = await j.signIn('lmartin');
    const { page } = admin;
    await page.getByRole('link', { name: 'All sessions' }).click();
    await page.getByLabel('Proposal').selectOption(j.proposal);
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect
      .poll(() => page.locator('article.card .badge', { hasText: 'Running' }).count(), {
        timeout: 60_000,
      })
      .toBe(3);
    await screenshot(page, 'dashboard-all-sessions');

    await page.getByRole('link', { name: 'Capacity' }).click();
    const gpuRow = page.locator('table.gpu-status tr', { hasText: 'kwok-gpu-1' });
    expect((await gpuRow.locator('td').nth(1).textContent())?.trim()).toBe('NVIDIA-A100-SXM4-40GB');
    await screenshot(page, 'dashboard-capacity', true);

    await page.getByRole('link', { name: 'Users' }).click();
    const row = page.locator('table.users-usage tr', { hasText: 'akowalska' });
    await expect
      .poll(
        async () => {
          await page.reload();
          return row.textContent();
        },
        { timeout: 30_000 },
      )
      .toMatch(/sessions 3 of 10/);
    expect((await row.locator('td').first().textContent())?.trim()).toBe('2 / 2');
    await screenshot(page, 'dashboard-users');

    const scientist = await j.signIn('akowalska');
    await scientist.page.getByRole('link', { name: 'Quotas' }).click();
    const quota = scientist.page.locator('section.quota', { hasText: quotaName });
    const cells = await quota.locator('tr', { hasText: 'sessions' }).locator('td').allTextContents();
    expect(cells.map((c) => c.trim())).toEqual(['10', '3']);
    await screenshot(scientist.page, 'dashboard-quotas');
    // The launch form of a GPU image: the live GPU status next to the GPU choice.
    await scientist.page.goto(`${j.dashboard.origin}/proposals/${j.namespace}/launch/${gpuImage}`);
    expect(await scientist.page.getByLabel('GPUs').getAttribute('max')).toBe('2');
    await expect
      .poll(() => scientist.page.locator('[data-live-capacity] tr', { hasText: 'kwok-gpu-1' }).count())
      .toBe(1);
    await screenshot(scientist.page, 'dashboard-launch-gpu', true);
    expect([...admin.errors, ...scientist.errors]).toEqual([]);
    await scientist.close();
    await admin.close();
  });
});
