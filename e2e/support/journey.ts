// What the dashboard's browser journeys share: a proposal namespace with its members, the real
// dashboard (demo sign-in) with its embedded gateway, the operator pointed at that gateway, the local
// session runner (real JupyterLab and Xtigervnc at the pods' 127.x addresses), Debian's Chromium,
// a signed-in page per user, and screenshots written only when asked (UPDATE_SCREENSHOTS=1, which
// `npm run screenshots` sets), so that a plain `npm test` leaves the tree clean.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { Browser, Page } from 'playwright-core';
import { inject } from 'vitest';
import { GROUP, VERSION } from '../../crds/index.ts';
import { installCrds } from '../../crds/testing/api-server.ts';
import type { RunningOperator } from '../../runtime/app.ts';
import { launchChromium } from '../../testing/browser.ts';
import { createProposalNamespace, startTestDashboard, type TestDashboard } from '../../testing/dashboard.ts';
import { eventually, testKubeConfig } from '../../testing/kube.ts';
import { sessionImageObject } from '../../testing/objects.ts';
import { startTestOperator } from '../../testing/operator.ts';

const RUNNER = join(process.cwd(), 'tools', 'controlplane', 'session-runner', 'main.ts');
export const SCREENSHOTS = join(process.cwd(), 'docs', 'screenshots');
const images = { group: GROUP, version: VERSION, plural: 'sessionimages' };

/** Writes docs/screenshots/<name>.png when UPDATE_SCREENSHOTS=1; otherwise takes none. */
export async function screenshot(page: Page, name: string, fullPage = false): Promise<void> {
  if (process.env.UPDATE_SCREENSHOTS !== '1') return;
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage });
}

export interface Journey {
  kc: KubeConfig;
  custom: CustomObjectsApi;
  proposal: string;
  namespace: string;
  dashboard: TestDashboard;
  browser: Browser;
  /** The operator and the session runner; started by startBackends(). */
  operator?: RunningOperator;
  runner?: ChildProcess;
  /** Quotas are cluster-scoped: only a journey that shows their counts enforces them. */
  startBackends(options?: { runner?: boolean; quotas?: boolean }): Promise<void>;
  /** A new browser context signed in as `user` through the demo sign-in, on the proposals page. */
  signIn: (user: string) => Promise<SignedIn>;
  stop(): Promise<void>;
}

export interface SignedIn {
  page: Page;
  /** Errors the page logged or threw: a journey ends with none. */
  errors: string[];
  close: () => Promise<void>;
}

export async function startJourney(options: {
  prefix: string;
  members: string[];
  /** SessionImages to create: name → spec fields over the test defaults. */
  images: Record<string, Record<string, unknown>>;
}): Promise<Journey> {
  const kc = testKubeConfig();
  const custom = kc.makeApiClient(CustomObjectsApi);
  await installCrds();
  const proposal = `MX-${String(1000 + Math.floor(Math.random() * 8000))}`;
  const ns = await createProposalNamespace(kc, options.prefix, proposal, options.members);
  for (const [name, spec] of Object.entries(options.images))
    await custom.createClusterCustomObject({ ...images, body: sessionImageObject(name, spec) });
  const dashboard = await startTestDashboard(kc, [ns.name], ['--demo-sign-in']);
  for (const name of Object.keys(options.images))
    await eventually(`${name} in the cache`, () => dashboard.running.dashboard.caches.images.get(name));
  const browser = await launchChromium();
  const dir = await mkdtemp(join(tmpdir(), `daas-${options.prefix}-`));
  const journey: Journey = {
    kc,
    custom,
    proposal,
    namespace: ns.name,
    dashboard,
    browser,
    async startBackends({ runner = true, quotas = false } = {}) {
      journey.operator = await startTestOperator(
        [ns.name],
        [`--gateway-url=${dashboard.gatewayOrigin}/`, `--quotas=${String(quotas)}`],
      );
      if (!runner) return;
      journey.runner = spawn(
        process.execPath,
        [
          RUNNER,
          `--kubeconfig=${inject('kubeconfig')}`,
          `--namespaces=${ns.name}`,
          `--work-dir=${join(dir, 'sessions')}`,
          `--log-dir=${join(dir, 'logs')}`,
          '--log-level=warn',
        ],
        { stdio: ['ignore', 'ignore', 'inherit'] },
      );
    },
    async signIn(user) {
      const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
      const page = await context.newPage();
      const errors: string[] = [];
      // The dashboard's own pages only: JupyterLab and noVNC log their own matters.
      const ours = () => page.url().startsWith(dashboard.origin);
      page.on('pageerror', (err) => {
        if (ours()) errors.push(err.message);
      });
      // A refused form answers 4xx on purpose (the tests assert what it shows): Chromium logs that too.
      const refusal = /^Failed to load resource: the server responded with a status of 4\d\d/;
      page.on('console', (msg) => {
        if (msg.type() !== 'error' || !msg.location().url.startsWith(dashboard.origin)) return;
        if (!refusal.test(msg.text())) errors.push(msg.text());
      });
      // Confirmations (delete) are answered yes, as the user would.
      page.on('dialog', (dialog) => void dialog.accept());
      await page.goto(`${dashboard.origin}/`);
      await page.getByRole('button', { name: `Sign in as ${user}` }).click();
      await page.waitForURL(/\/proposals$/);
      return { page, errors, close: () => context.close() };
    },
    async stop() {
      await browser.close().catch(() => undefined);
      const runner = journey.runner;
      if (runner && runner.exitCode === null) {
        // The runner stops its JupyterLabs and desktops on SIGTERM; SIGKILL only if it hangs.
        const exited = new Promise((resolve) => runner.once('exit', resolve));
        runner.kill('SIGTERM');
        const timer = setTimeout(() => runner.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      await journey.operator?.shutdown('test done');
      await dashboard.stop();
      for (const name of Object.keys(options.images))
        await custom.deleteClusterCustomObject({ ...images, name }).catch(() => undefined);
      await ns.remove();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return journey;
}
