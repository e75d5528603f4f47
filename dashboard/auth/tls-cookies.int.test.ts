// The dashboard behind TLS (--public-url https, as in production; the test talks plain HTTP to its
// port as the TLS-terminating ingress would): its cookies are Secure and carry the __Host- prefix,
// the whole demo sign-in works with them, and a cookie without the prefix (what a sibling origin
// could plant for the parent domain) is not believed.
import type { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installCrds } from '../../crds/testing/api-server.ts';
import { DashboardUser, startTestDashboard, type TestDashboard } from '../../testing/dashboard.ts';
import { createTestNamespace, testKubeConfig } from '../../testing/kube.ts';

let kc: KubeConfig;
let ns: { name: string; remove: () => Promise<void> };
let dashboard: TestDashboard;

beforeAll(async () => {
  kc = testKubeConfig();
  await installCrds();
  ns = await createTestNamespace(kc, 'tls-cookies');
  // A later --public-url wins over the helper's.
  dashboard = await startTestDashboard(
    kc,
    [ns.name],
    ['--demo-sign-in', '--public-url=https://daas.test.example/'],
  );
}, 120_000);

afterAll(async () => {
  await (dashboard as TestDashboard | undefined)?.stop();
  await ns.remove();
});

describe('the dashboard served over TLS', () => {
  it('signs in with Secure __Host- cookies, and believes no cookie without the prefix', async () => {
    const form = await fetch(`${dashboard.origin}/signin`);
    expect(form.headers.getSetCookie()[0]).toMatch(
      /^__Host-daas_signin=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=3600; Secure$/,
    );
    const user = new DashboardUser(dashboard.origin);
    await user.signIn('akowalska');
    const session = user.cookies.get('__Host-daas_dashboard');
    expect(session).toBeTruthy();
    expect((await user.get('/proposals')).status).toBe(200);

    const planted = new DashboardUser(dashboard.origin);
    planted.cookies.set('daas_dashboard', session ?? '');
    const res = await planted.get('/proposals');
    expect(res.status).toBe(303);
    expect(res.location).toMatch(/^\/signin/);
  });
});
