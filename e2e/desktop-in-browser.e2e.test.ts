// A user opens their desktop session in a real browser (Debian's Chromium, via playwright-core): the
// ticket link from the gateway shows the noVNC page, noVNC connects through the gateway's tunnel to a
// real Xtigervnc at the session pod's IP, the canvas shows the colour the desktop painted, a key typed
// in the browser reaches an X client on the desktop, and no WebSocket frame carries the VNC password.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canvasPixel, launchChromium } from '../testing/browser.ts';
import { startDesktopSession, type DesktopSession } from '../testing/desktop-session.ts';
import { eventually } from '../testing/kube.ts';

const COLOUR = '#2e8b57';
let d: DesktopSession;
let browser: Browser;
let xev: ChildProcess | undefined;

beforeAll(async () => {
  d = await startDesktopSession({
    prefix: 'e2e-desk',
    owner: 'akowalska',
    desktopName: 'curious-lovelace',
    colour: COLOUR,
  });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  xev?.kill();
  await browser.close();
  await d.stop();
});

describe('a desktop in the browser', () => {
  it('shows the desktop, takes the keyboard, and never sends the password to the browser', async () => {
    const page = await browser.newPage();
    const frames: string[] = [];
    page.on('websocket', (ws) => {
      ws.on('framereceived', (f) => frames.push(Buffer.from(f.payload).toString('latin1')));
      ws.on('framesent', (f) => frames.push(Buffer.from(f.payload).toString('latin1')));
    });
    await page.goto(d.gateway.ticketUrl('akowalska', d.namespace, d.name));
    // The spent ticket is off the URL at once.
    expect(page.url()).toBe(`${d.gateway.origin}/sessions/${d.namespace}/${d.name}/`);
    await page.waitForSelector('body[data-state="connected"]', { timeout: 15_000 });
    expect(await page.textContent('#status')).toBe('connected');
    expect(await page.title()).toBe('curious-lovelace');
    await eventually('the desktop colour on the canvas', async () =>
      (await canvasPixel(page, 600, 500)) === COLOUR ? true : undefined,
    );

    // An X client on the desktop (xev, a window at the top left) records the keys it receives.
    let xevOutput = '';
    xev = spawn('xev', [
      '-display',
      d.desktop.display,
      '-geometry',
      '300x300+0+0',
      '-event',
      'keyboard',
      '-event',
      'structure',
    ]);
    xev.stdout?.on('data', (c: Buffer) => (xevOutput += c.toString()));
    await eventually(
      'the xev window mapped',
      () => (xevOutput.includes('MapNotify') ? true : undefined),
      10_000,
    );
    const box = await page.locator('#screen canvas').boundingBox();
    if (!box) throw new Error('no canvas box');
    // Point inside xev's window (framebuffer 1024x768 scaled into the canvas box), click, and type.
    await page.mouse.click(box.x + (100 / 1024) * box.width, box.y + (100 / 768) * box.height);
    await page.keyboard.type('q');
    await eventually(
      'xev seeing the key typed in the browser',
      () => (/keysym 0x71, q\)/.test(xevOutput) ? true : undefined),
      10_000,
    );

    expect(frames.length).toBeGreaterThan(3);
    expect(frames.some((f) => f.includes(d.password))).toBe(false);
    await page.close();
  });
});
