import { describe, expect, it } from 'vitest';
import { ConfigError } from '../runtime/config.ts';
import { gatewayConfigOf, loadDashboardConfig } from './config.ts';

const problems = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
  try {
    loadDashboardConfig(argv, env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

describe('the dashboard configuration', () => {
  it('reads its own flags, its variables and the embedded gateway’s flags', () => {
    const config = loadDashboardConfig(
      ['--demo-sign-in', '--gateway-listen-address=127.0.0.1:9000', '--namespaces=a,b'],
      { DAAS_DASHBOARD_PUBLIC_URL: 'https://daas.facility.example/', DAAS_GATEWAY_KEEPALIVE: '10s' },
    );
    expect(config.demoSignIn).toBe(true);
    expect(config.publicUrl.toString()).toBe('https://daas.facility.example/');
    expect(gatewayConfigOf(config)).toMatchObject({
      listenAddress: '127.0.0.1:9000',
      keepalive: 10_000,
      namespaces: ['a', 'b'],
      ticketKeysSecret: { namespace: 'daas-system', name: 'daas-gateway-ticket-keys' },
    });
  });

  it('names every problem at once, with where it came from', () => {
    expect(
      problems(
        ['--demo-sign-in', '--listen-address=x', '--gateway-public-url=ftp://a', '--trusted-proxies=nope'],
        {
          DAAS_DASHBOARD_SESSION_KEYS_SECRET: 'no-slash',
        },
      ),
    ).toEqual([
      '--listen-address: expected host:port, :port, or 0 to disable (got "x")',
      'DAAS_DASHBOARD_SESSION_KEYS_SECRET: expected namespace/name of a Secret (got "no-slash")',
      '--trusted-proxies: expected IP addresses such as 127.0.0.1 (got "nope")',
      '--gateway-public-url: expected an http(s) URL with no path, such as https://gateway.facility.example/ (got "ftp://a")',
    ]);
  });

  it('refuses to start with no way to sign in, and proxies without their secret', () => {
    expect(problems([])).toEqual([
      '--demo-sign-in / DAAS_DASHBOARD_DEMO_SIGN_IN: no way to sign in: set --oidc-issuer, --trusted-proxies (with --trusted-proxy-secret-file) or --demo-sign-in',
    ]);
    expect(problems(['--trusted-proxies=10.0.0.1'])).toEqual([
      '--trusted-proxy-secret-file / DAAS_DASHBOARD_TRUSTED_PROXY_SECRET_FILE: is needed when --trusted-proxies is set: headers are believed only with the shared secret',
    ]);
  });

  it('reads the OpenID Connect settings, and names what is missing or wrong', () => {
    const config = loadDashboardConfig(
      ['--oidc-issuer=https://login.facility.example/realms/facility', '--oidc-username-prefix=-'],
      {
        DAAS_DASHBOARD_OIDC_CLIENT_ID: 'daas-dashboard',
        DAAS_DASHBOARD_OIDC_CLIENT_SECRET_FILE: '/etc/daas/oidc/client-secret',
        DAAS_DASHBOARD_OIDC_GROUPS_PREFIX: 'oidc:',
      },
    );
    expect(config).toMatchObject({
      oidcClientId: 'daas-dashboard',
      oidcScopes: ['openid', 'profile', 'email'],
      oidcUsernameClaim: 'preferred_username',
      oidcUsernamePrefix: '',
      oidcGroupsClaim: 'groups',
      oidcGroupsPrefix: 'oidc:',
    });
    expect(config.oidcIssuer?.href).toBe('https://login.facility.example/realms/facility');
    expect(problems(['--oidc-issuer=https://login.facility.example/', '--oidc-scopes=profile'])).toEqual([
      '--oidc-client-id / DAAS_DASHBOARD_OIDC_CLIENT_ID: is needed with --oidc-issuer',
      '--oidc-client-secret-file / DAAS_DASHBOARD_OIDC_CLIENT_SECRET_FILE: is needed with --oidc-issuer',
      '--oidc-scopes: must include openid (got "profile")',
    ]);
    expect(problems(['--oidc-issuer=http://login.facility.example/', '--oidc-username-claim=a b'])).toEqual([
      '--oidc-issuer: must be https (http only on a loopback address, for tests) (got "http://login.facility.example/")',
      '--oidc-username-claim: expected a claim name such as preferred_username (got "a b")',
    ]);
  });
});
