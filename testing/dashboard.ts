// Runs the real dashboard (with its embedded gateway) in the test process against the test cluster,
// and a user agent that signs in through the demo sign-in and posts forms as a browser would (the
// cookie jar, the CSRF token of the page). Ticket and cookie keys are fresh for each dashboard.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CoreV1Api,
  PatchStrategy,
  RbacAuthorizationV1Api,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { PROPOSAL_ANNOTATIONS, PROPOSAL_LABEL } from '../crds/index.ts';
import { pino } from 'pino';
import { inject } from 'vitest';
import { startDashboard, type RunningDashboard } from '../dashboard/start.ts';
import { freePort } from '../tools/controlplane/cluster.ts';
import { TICKET_KEYS_SECRET } from './gateway.ts';
import { createTestNamespace } from './kube.ts';

/** A proposal namespace with a title, beamline and experiment sessions, and `members` bound to daas-scientist. */
export async function createProposalNamespace(
  kc: KubeConfig,
  prefix: string,
  proposal: string,
  members: string[],
): Promise<{ name: string; remove: () => Promise<void> }> {
  const ns = await createTestNamespace(kc, prefix, { [PROPOSAL_LABEL]: proposal });
  await kc.makeApiClient(CoreV1Api).patchNamespace(
    {
      name: ns.name,
      body: {
        metadata: {
          annotations: {
            [PROPOSAL_ANNOTATIONS.title]: 'Strain mapping in weld seams',
            [PROPOSAL_ANNOTATIONS.beamline]: 'id11',
            [PROPOSAL_ANNOTATIONS.abstract]:
              'Residual strain around laser welds in Ti-6Al-4V, mapped by XRD.',
            [PROPOSAL_ANNOTATIONS.experimentSessions]: '2025-03-12,2025-06-02',
          },
        },
      },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  await kc.makeApiClient(RbacAuthorizationV1Api).createNamespacedRoleBinding({
    namespace: ns.name,
    body: {
      metadata: { name: 'daas-members' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'daas-scientist' },
      subjects: members.map((name) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name })),
    },
  });
  return ns;
}

export interface TestDashboard {
  running: RunningDashboard;
  /** http://127.0.0.1:<port> (no trailing slash) */
  origin: string;
  gatewayOrigin: string;
  stop(): Promise<void>;
}

/** Starts a dashboard watching `namespaces`; its gateway's keys and the favorites live in the first. */
export async function startTestDashboard(kc: KubeConfig, namespaces: string[], flags: string[] = []) {
  const [home = 'default'] = namespaces;
  await kc.makeApiClient(CoreV1Api).createNamespacedSecret({
    namespace: home,
    body: { metadata: { name: TICKET_KEYS_SECRET }, data: { primary: randomBytes(32).toString('base64') } },
  });
  const dir = await mkdtemp(join(tmpdir(), 'dashboard-'));
  await writeFile(join(dir, 'keys'), randomBytes(32).toString('base64') + '\n');
  const [port, gatewayPort] = [await freePort(), await freePort()];
  const origin = `http://127.0.0.1:${String(port)}`;
  const gatewayOrigin = `http://127.0.0.1:${String(gatewayPort)}`;
  const running = await startDashboard({
    argv: [
      `--kubeconfig=${inject('kubeconfig')}`,
      `--namespaces=${namespaces.join(',')}`,
      `--listen-address=127.0.0.1:${String(port)}`,
      `--public-url=${origin}/`,
      `--session-keys-file=${join(dir, 'keys')}`,
      `--favorites-namespace=${home}`,
      `--gateway-listen-address=127.0.0.1:${String(gatewayPort)}`,
      `--gateway-public-url=${gatewayOrigin}/`,
      `--gateway-ticket-keys-secret=${home}/${TICKET_KEYS_SECRET}`,
      '--gateway-metrics-bind-address=0',
      '--gateway-health-probe-bind-address=0',
      '--membership-ttl=1s',
      ...flags,
    ],
    env: {},
    log: pino({ level: process.env.DAAS_TEST_LOG_LEVEL ?? 'warn' }),
  });
  await running.manager.waitForCacheSync();
  let stopping: Promise<void> | undefined;
  return {
    running,
    origin,
    gatewayOrigin,
    stop: () => (stopping ??= running.stop().then(() => rm(dir, { recursive: true, force: true }))),
  } satisfies TestDashboard;
}

export interface Answer {
  status: number;
  location: string | null;
  text: string;
}

/** The CSRF token of the forms on a page. */
export const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1];

/** A browser-like user agent: a cookie jar, forms posted with the page's CSRF token. */
export class DashboardUser {
  readonly cookies = new Map<string, string>();
  private readonly origin: string;
  csrf = '';

  constructor(origin: string) {
    this.origin = origin;
  }

  private remember(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const value = pair.slice(eq + 1);
      if (/Max-Age=0/.test(line) || !value) this.cookies.delete(pair.slice(0, eq));
      else this.cookies.set(pair.slice(0, eq), value);
    }
  }

  private get cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async get(path: string): Promise<Answer> {
    const res = await fetch(this.origin + path, {
      redirect: 'manual',
      headers: { cookie: this.cookieHeader, accept: 'text/html' },
    });
    this.remember(res);
    const text = await res.text();
    this.csrf = csrfOf(text) ?? this.csrf;
    return { status: res.status, location: res.headers.get('location'), text };
  }

  /** Posts a form; `_csrf` is the last page's token unless the fields name one (or null: none). */
  async post(path: string, fields: Record<string, string | null>): Promise<Answer> {
    const form = new URLSearchParams();
    const withToken: Record<string, string | null> = { _csrf: this.csrf, ...fields };
    for (const [k, v] of Object.entries(withToken)) if (v !== null) form.set(k, v);
    const res = await fetch(this.origin + path, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: this.cookieHeader, 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
    });
    this.remember(res);
    const text = await res.text();
    this.csrf = csrfOf(text) ?? this.csrf;
    return { status: res.status, location: res.headers.get('location'), text };
  }

  async signIn(user: string): Promise<void> {
    await this.get('/signin');
    const res = await this.post('/signin', { user, next: '/proposals' });
    if (res.status !== 303) throw new Error(`sign-in as ${user} failed: ${String(res.status)} ${res.text}`);
    await this.get('/proposals');
  }
}
