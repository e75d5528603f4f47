// The gateway's activity endpoint (the `connections` signal) with a real desktop: it counts open
// tunnels per session and the last user input (keys, not noVNC's own requests), and answers only a
// service account that TokenReview vouches for and that is configured as a reader.
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDesktopSession, type DesktopSession } from '../../testing/desktop-session.ts';
import { redeem } from '../../testing/gateway.ts';
import { eventually } from '../../testing/kube.ts';
import { RfbClient } from '../../testing/rfb-client.ts';
import { sleep } from '../../runtime/time.ts';
import type { ActivityReport } from './activity-report.ts';

let d: DesktopSession;
const tokens: Record<string, string> = {};

async function serviceAccountToken(name: string): Promise<string> {
  const core = d.kc.makeApiClient(CoreV1Api);
  await core.createNamespacedServiceAccount({ namespace: d.namespace, body: { metadata: { name } } });
  const request = await eventually(`a token for ${name}`, () =>
    core
      .createNamespacedServiceAccountToken({
        name,
        namespace: d.namespace,
        body: { spec: { audiences: [], expirationSeconds: 600 } },
      })
      .then((r) => r.status?.token),
  );
  return request;
}

async function activity(token: string | undefined): Promise<{ status: number; report?: ActivityReport }> {
  const res = await fetch(`${d.gateway.origin}/activity/${d.namespace}/desktop`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return res.ok
    ? { status: res.status, report: (await res.json()) as ActivityReport }
    : { status: res.status };
}

beforeAll(async () => {
  d = await startDesktopSession({
    prefix: 'gw-activity',
    owner: 'akowalska',
    desktopName: 'busy-desktop',
    colour: '#808080',
    gatewayFlags: (ns) => [`--activity-readers=system:serviceaccount:${ns}:operator`],
  });
  tokens.operator = await serviceAccountToken('operator');
  tokens.other = await serviceAccountToken('other');
}, 120_000);

afterAll(async () => {
  await d.stop();
});

describe('the gateway activity endpoint', () => {
  it('answers only the configured reader', async () => {
    expect((await activity(undefined)).status).toBe(403);
    expect((await activity('not-a-token')).status).toBe(403);
    expect((await activity(tokens.other)).status).toBe(403);
    const { status, report } = await activity(tokens.operator);
    expect(status).toBe(200);
    expect(report).toMatchObject({ openConnections: 0, lastInputAt: null });
    expect(report?.lastActivity).toBe(report?.since);
  });

  it('counts open tunnels, and moves the last input on keys, not on screen updates', async () => {
    const cookie = (await redeem(d.gateway.ticketUrl('akowalska', d.namespace, 'desktop'))).cookie ?? '';
    const client = await RfbClient.open(
      `${d.gateway.origin.replace(/^http/, 'ws')}/sessions/${d.namespace}/desktop/websockify`,
      {
        cookie,
        origin: d.gateway.origin,
      },
    );
    await client.handshake();
    const opened = (await activity(tokens.operator)).report;
    expect(opened?.openConnections).toBe(1);
    await sleep(50);
    await client.pixel(5, 5); // noVNC's own requests are not input
    expect((await activity(tokens.operator)).report?.lastInputAt).toBe(opened?.lastInputAt);
    client.key(0x71);
    const typed = await eventually('the key counted as input', async () => {
      const r = (await activity(tokens.operator)).report;
      return r?.lastInputAt !== opened?.lastInputAt ? r : undefined;
    });
    expect(Date.parse(typed.lastInputAt ?? '')).toBeGreaterThan(Date.parse(opened?.lastInputAt ?? ''));
    expect(typed.lastActivity).toBe(typed.lastInputAt);
    client.close();
    await eventually('the tunnel counted closed', async () =>
      (await activity(tokens.operator)).report?.openConnections === 0 ? true : undefined,
    );
  });
});
