// Idle culling of desktops by the `connections` signal, end to end: the real operator probes the real
// gateway's activity endpoint with a service-account token, and the gateway sees a browser-like
// client's keys through the tunnel to a real Xtigervnc. Typing keeps the session past its idle
// timeout; an open but untouched desktop is stopped with IdleTimeout; with the gateway down, nothing
// is ever stopped.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDesktopSession, type DesktopSession } from '../../testing/desktop-session.ts';
import { activityReaders, redeem, writeOperatorToken } from '../../testing/gateway.ts';
import { RfbClient } from '../../testing/rfb-client.ts';
import { sleep } from '../../runtime/time.ts';

const IDLE_MS = 10_000;
let d: DesktopSession;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'daas-token-'));
  const tokenFile = join(dir, 'token');
  d = await startDesktopSession({
    prefix: 'gw-idle',
    owner: 'akowalska',
    desktopName: 'idle-desktop',
    colour: '#404040',
    gatewayFlags: (ns) => [activityReaders(ns)],
    operatorFlags: [`--gateway-token-file=${tokenFile}`],
    imageSpec: {
      activity: { signal: 'connections', probeInterval: '1s' },
      lifecycle: { defaultLifetime: '1h', maxLifetime: '2h', idleTimeout: '10s' },
    },
  });
  // The operator's service account, as the gateway knows it (its token is what the operator shows).
  await writeOperatorToken(d.kc, d.namespace, tokenFile);
}, 120_000);

afterAll(async () => {
  try {
    await d.stop();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

describe('desktops culled by the connections signal', () => {
  it('keeps a desktop while the user types, and stops it once the open desktop goes untouched', async () => {
    const cookie = (await redeem(d.gateway.ticketUrl('akowalska', d.namespace, 'desktop'))).cookie ?? '';
    const url = `${d.gateway.origin.replace(/^http/, 'ws')}/sessions/${d.namespace}/desktop/websockify`;
    const client = await RfbClient.open(url, { cookie, origin: d.gateway.origin });
    await client.handshake();
    // Type for 1.5 idle timeouts.
    const until = Date.now() + IDLE_MS * 1.5;
    while (Date.now() < until) {
      client.key(0x61);
      await sleep(1500);
    }
    const busy = await d.sessions.get('desktop');
    expect(busy.status?.phase).toBe('Running');
    expect(Date.now() - Date.parse(busy.status?.lastActivityAt ?? '')).toBeLessThan(4000);
    // The connection stays open, nobody types: stopped about one idle timeout later.
    const stopped = await d.sessions.until(
      'desktop',
      'stopped',
      (s) => s.status?.phase === 'Stopped',
      30_000,
    );
    expect(stopped.spec.state).toBe('Stopped');
    expect(stopped.status?.reason).toBe('IdleTimeout');
    client.close();
  });

  it('never stops a desktop while the gateway cannot be asked', async () => {
    await d.gateway.stop();
    await d.sessions.create('quiet', { image: d.imageName });
    await d.sessions.until('quiet', 'Running', (s) => s.status?.phase === 'Running');
    await sleep(IDLE_MS * 2);
    const quiet = await d.sessions.get('quiet');
    expect(quiet.status?.phase).toBe('Running');
    expect(quiet.spec.state).not.toBe('Stopped');
  });
});
