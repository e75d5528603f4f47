// The gateway access provider: what status tells a user, and what the operator's probe still uses.
import { describe, expect, it } from 'vitest';
import { image, jupyterImage, session, vncImage } from '../fixtures.ts';
import { accessStep } from '../steps/access.ts';
import { directAccess } from './direct.ts';
import { gatewayAccess } from './gateway.ts';

const providers = [gatewayAccess('https://gateway.facility.example/'), directAccess];
const running = { state: 'Running' as const, ready: true, address: '127.9.1.4', message: 'up' };

describe('gateway access', () => {
  it("publishes the session's page on the gateway, and keeps the pod's own URL for the activity probe", async () => {
    const outcome = await accessStep({
      providers,
      session: session('quick-look'),
      image: jupyterImage,
      workload: running,
      secretName: 'daas-quick-look',
    });
    expect(outcome?.verdict).toMatchObject({ type: 'AccessReady', status: 'True' });
    expect(outcome?.endpoint).toEqual({
      protocol: 'http',
      host: '127.9.1.4',
      port: 8888,
      credentialsSecretName: 'daas-quick-look',
      url: 'https://gateway.facility.example/sessions/proposal-mx-2451/quick-look/',
    });
    expect(outcome?.internal?.url).toBe('http://127.9.1.4:8888/sessions/quick-look/');
  });

  it('lets a basePath of /sessions/{namespace}/{session}/ match the gateway path exactly', async () => {
    const lab = image('jupyterlab', {
      access: { protocol: 'http', port: 8888, basePath: '/sessions/{namespace}/{session}/' },
    });
    const outcome = await accessStep({
      providers,
      session: session('quick-look', {}, 'jupyterlab'),
      image: lab,
      workload: running,
      secretName: 's',
    });
    expect(outcome?.internal?.url).toBe('http://127.9.1.4:8888/sessions/proposal-mx-2451/quick-look/');
    expect(new URL(outcome?.endpoint?.url ?? '').pathname).toBe('/sessions/proposal-mx-2451/quick-look/');
  });

  it('gives desktops their noVNC page on the gateway', async () => {
    const outcome = await accessStep({
      providers,
      session: session('desk', {}, 'xfce-desktop'),
      image: vncImage,
      workload: running,
      secretName: 'daas-desk',
    });
    expect(outcome?.endpoint).toMatchObject({
      protocol: 'vnc',
      port: 5901,
      url: 'https://gateway.facility.example/sessions/proposal-mx-2451/desk/',
    });
  });

  it('leaves rdp and ssh images to the next provider (the pod address, or Guacamole later)', async () => {
    const rdp = image('windows', { access: { protocol: 'rdp', port: 3389 } });
    const outcome = await accessStep({
      providers,
      session: session('w', {}, 'windows'),
      image: rdp,
      workload: running,
      secretName: 'daas-w',
    });
    expect(outcome?.endpoint).toEqual({
      protocol: 'rdp',
      host: '127.9.1.4',
      port: 3389,
      credentialsSecretName: 'daas-w',
    });
    expect(outcome?.internal).toBeUndefined();
  });
});

describe('--gateway-url', () => {
  it('takes a base URL ending in /, and refuses anything else naming the flag', async () => {
    const { loadConfig } = await import('../../config.ts');
    expect(loadConfig(['--gateway-url=https://gw.example/'], {}).gatewayUrl).toBe('https://gw.example/');
    expect(() => loadConfig(['--gateway-url=https://gw.example/daas'], {})).toThrow(
      /--gateway-url: expected the gateway's base URL/,
    );
  });
});
