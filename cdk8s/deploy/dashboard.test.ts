import { describe, expect, it } from 'vitest';
import { loadDashboardConfig } from '../../dashboard/config.ts';
import { DASHBOARD_MAIN, dashboardManifests } from './dashboard.ts';
import { SITE_SETTINGS } from './site-config.ts';

const podSpec = () =>
  (
    dashboardManifests().find((m) => m.kind === 'Deployment') as {
      spec: { template: { spec: { containers: { args: string[] }[]; volumes: { name: string; secret?: object }[] } } };
    }
  ).spec.template.spec;

/** The dashboard's flags as its Deployment passes them (after the script). */
function deployedArgs(): string[] {
  const [main, ...args] = podSpec().containers[0]?.args ?? [];
  expect(main).toBe(DASHBOARD_MAIN);
  return args;
}

describe("the dashboard's Deployment with the site settings", () => {
  it('signs in through the authenticating proxy while no issuer is set', () => {
    const config = loadDashboardConfig(deployedArgs(), SITE_SETTINGS);
    expect(config.oidcIssuer).toBeUndefined();
    expect(config.trustedProxies).toEqual(['127.0.0.1']);
  });

  it('signs in with OpenID Connect once the site sets the issuer, with the claims the API server reads', () => {
    const config = loadDashboardConfig(deployedArgs(), {
      ...SITE_SETTINGS,
      DAAS_DASHBOARD_OIDC_ISSUER: 'https://login.facility.example/realms/facility',
    });
    expect(config).toMatchObject({
      oidcClientId: 'daas-dashboard',
      oidcClientSecretFile: '/etc/daas/oidc/client-secret',
      oidcUsernameClaim: 'preferred_username',
      oidcUsernamePrefix: '',
      oidcGroupsClaim: 'groups',
      oidcGroupsPrefix: '',
    });
    // Optional: a site without OpenID Connect never creates it.
    expect(podSpec().volumes.find((v) => v.name === 'oidc-client')?.secret).toEqual({
      secretName: 'daas-dashboard-oidc',
      optional: true,
    });
  });
});
