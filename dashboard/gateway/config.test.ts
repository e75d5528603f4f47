// The gateway's flags: defaults, its own variables, and bad values named with the flag they came from.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../runtime/config.ts';
import { loadGatewayConfig } from './config.ts';

describe('gateway configuration', () => {
  it('has defaults for everything', () => {
    const c = loadGatewayConfig([], {});
    expect(c).toMatchObject({
      listenAddress: ':8090',
      ticketKeysSecret: { namespace: 'daas-system', name: 'daas-gateway-ticket-keys' },
      maxConnectionsPerUser: 20,
      keepalive: 30_000,
      metricsBindAddress: ':8092',
      healthProbeBindAddress: ':8093',
    });
    expect(c.publicUrl.toString()).toBe('http://127.0.0.1:8090/');
  });

  it('reads DAAS_GATEWAY_* variables, and flags win', () => {
    const env = { DAAS_GATEWAY_PUBLIC_URL: 'https://gw.example/', DAAS_GATEWAY_KEEPALIVE: '10s' };
    expect(loadGatewayConfig([], env)).toMatchObject({
      keepalive: 10_000,
      publicUrl: new URL('https://gw.example/'),
    });
    expect(loadGatewayConfig(['--keepalive=5s'], env).keepalive).toBe(5000);
  });

  it('names the flag and the rule for bad values, all at once', () => {
    const bad = () =>
      loadGatewayConfig(
        [
          '--public-url=https://gw.example/daas',
          '--ticket-keys-secret=just-a-name',
          '--max-connections-per-user=0',
        ],
        {},
      );
    expect(bad).toThrow(ConfigError);
    expect(bad).toThrow(/--public-url: expected an http\(s\) URL with no path/);
    expect(bad).toThrow(/--ticket-keys-secret: expected namespace\/name of a Secret \(got "just-a-name"\)/);
    expect(bad).toThrow(/--max-connections-per-user: must be at least 1/);
  });
});
