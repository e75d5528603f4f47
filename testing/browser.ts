// Debian's Chromium driven by playwright-core for browser tests, kept on loopback: every host name
// except 127.0.0.1 fails to resolve, and background services are off. Also what the tests read from noVNC's canvas.
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-domain-reliability',
      '--no-pings',
      '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
    ],
  });
}

/** The colour at (x, y) of noVNC's canvas, in framebuffer coordinates. */
export function canvasPixel(page: Page, x: number, y: number): Promise<string> {
  return page.evaluate(
    ([px, py]) => {
      const canvas = document.querySelector('#screen canvas');
      if (!(canvas instanceof HTMLCanvasElement)) return 'no canvas';
      const data = canvas.getContext('2d')?.getImageData(px ?? 0, py ?? 0, 1, 1).data;
      if (!data) return 'no context';
      return '#' + [data[0], data[1], data[2]].map((v) => (v ?? 0).toString(16).padStart(2, '0')).join('');
    },
    [x, y],
  );
}
