// The README's quick start in a real browser: the local control plane with the operator, the gateway
// and the session runner, started by the very functions `npm start` runs, on a private cluster; then
// the sample notebook and desktop opened the README's way (a link from the demo portal through the
// gateway's ticket API, as `npm run open` prints it) in Debian's Chromium. JupyterLab appears, the
// desktop's canvas shows the colour the desktop painted, and the screenshots in docs/screenshots/
// (shown in the README) are taken here when asked (`npm run screenshots`). Nothing the runner
// started listens outside 127.0.0.0/8.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canvasPixel, launchChromium } from '../testing/browser.ts';
import { eventually } from '../testing/kube.ts';
import { processTree } from '../testing/process-tree.ts';
import { ensureBinaries } from '../tools/controlplane/binaries.ts';
import { LocalCluster, removeClusterDir } from '../tools/controlplane/cluster.ts';
import { startDemo, type DemoProcesses } from '../tools/controlplane/demo.ts';
import { requestTicket } from '../tools/controlplane/demo-portal.ts';
import { DESKTOP_COLOUR, DESKTOP_GEOMETRY } from '../tools/controlplane/session-runner/commands.ts';
import { screenshot } from './support/journey.ts';

const NAMESPACE = 'proposal-mx-2451';
let cluster: LocalCluster;
let demo: DemoProcesses;
let browser: Browser;

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'daas-e2e-start-'));
  cluster = await LocalCluster.start({
    dir,
    binDir: await ensureBinaries(),
    ownerPid: process.pid,
    ephemeral: true,
  });
  demo = await startDemo(cluster);
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser.close();
  await cluster.stop();
  await removeClusterDir(cluster.dir);
});

/** Asks for a link as `npm run open -- <ns>/<name>` does, until the session runs and answers. */
async function openSession(page: Page, name: string): Promise<void> {
  await eventually(
    `${name} opening through the gateway`,
    async () => {
      const ticket = await requestTicket({
        kubeconfig: cluster.kubeconfigPath,
        gatewayUrl: demo.gatewayUrl,
        namespace: NAMESPACE,
        name,
      });
      const res = await page.goto(ticket.url);
      return res?.ok() ? true : undefined;
    },
    120_000,
    1000,
  );
}

/** Pids of the session runner's process tree (the runner, its processes, and theirs). */
async function runnerTree(): Promise<Set<number>> {
  const state = JSON.parse(await readFile(join(cluster.dir, 'state.json'), 'utf8')) as {
    pids: Record<string, number>;
  };
  return new Set(await processTree(state.pids['adopted:session-runner'] ?? -1));
}

describe('npm start, then the README', () => {
  it('opens the sample notebook in JupyterLab', async () => {
    const page = await browser.newPage({ viewport: { width: 1024, height: 640 } });
    await openSession(page, 'quick-look');
    // JupyterLab's own page, with the spent ticket gone from the address bar.
    expect(page.url()).toMatch(new RegExp(`^${demo.gatewayUrl}sessions/${NAMESPACE}/quick-look/lab\\??$`));
    await page.waitForSelector('.jp-LabShell', { timeout: 60_000 });
    await page.waitForSelector('.jp-Launcher', { timeout: 60_000 });
    expect(await page.title()).toContain('JupyterLab');
    await screenshot(page, 'notebook-jupyterlab');
    await page.close();
  });

  it('opens the sample desktop in noVNC, showing the colour the desktop painted', async () => {
    const page = await browser.newPage({ viewport: { width: 1024, height: 640 } });
    await openSession(page, 'desktop-inspection');
    await page.waitForSelector('body[data-state="connected"]', { timeout: 30_000 });
    const machineName = execFileSync(
      join(cluster.binDir, 'kubectl'),
      [
        '--kubeconfig',
        cluster.kubeconfigPath,
        '-n',
        NAMESPACE,
        'get',
        'analysissession',
        'desktop-inspection',
        '-o',
        'jsonpath={.status.machineName}',
      ],
      { encoding: 'utf8' },
    );
    // noVNC's title is the desktop's name: the session's machine name.
    expect(await page.title()).toBe(machineName);
    // Right of the terminal and above the tray: the root window as xsetroot painted it.
    const { width, height } = DESKTOP_GEOMETRY;
    await eventually('the painted colour on the canvas', async () =>
      (await canvasPixel(page, width - 100, height - 150)) === DESKTOP_COLOUR ? true : undefined,
    );
    await screenshot(page, 'desktop-novnc');
    await page.close();
  });

  it('binds nothing of the sessions outside 127.0.0.0/8', async () => {
    const tree = await runnerTree();
    const listening = execFileSync('ss', ['-ltnpH'], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => [...line.matchAll(/pid=(\d+)/g)].some((m) => tree.has(Number(m[1]))))
      .map((line) => line.trim().split(/\s+/)[3] ?? '');
    // Two notebooks and two desktops of the sample data: a JupyterLab or Xtigervnc each.
    expect(listening.length).toBeGreaterThanOrEqual(4);
    for (const address of listening) expect(address).toMatch(/^127\.\d+\.\d+\.\d+:\d+$/);
  });
});
