// Runs the real gateway in the test process against the test cluster: its ticket keys in a Secret of
// the test's namespace, listening on a free loopback port that is also its public URL; and the
// service-account token the operator shows the gateway's activity endpoint.
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { inject } from 'vitest';
import { startGateway, type RunningGateway } from '../dashboard/gateway/start.ts';
import { eventually } from './kube.ts';

export const TICKET_KEYS_SECRET = 'daas-gateway-ticket-keys';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  return port;
}

export interface TestGateway {
  running: RunningGateway;
  /** http://127.0.0.1:<port> (no trailing slash) */
  origin: string;
  /** The URL a user would be given for the session, or the refusal. */
  ticketUrl(user: string, namespace: string, name: string): string;
  stop(): Promise<void>;
}

/** Starts a gateway watching `namespaces`, with fresh ticket keys in a Secret of the first one. */
export async function startTestGateway(
  kc: KubeConfig,
  namespaces: string[],
  flags: string[] = [],
): Promise<TestGateway> {
  const [home = 'default'] = namespaces;
  await kc.makeApiClient(CoreV1Api).createNamespacedSecret({
    namespace: home,
    body: {
      metadata: { name: TICKET_KEYS_SECRET },
      data: { primary: randomBytes(32).toString('base64') },
    },
  });
  const port = await freePort();
  const origin = `http://127.0.0.1:${String(port)}`;
  const running = await startGateway({
    argv: [
      `--kubeconfig=${inject('kubeconfig')}`,
      `--namespaces=${namespaces.join(',')}`,
      `--listen-address=127.0.0.1:${String(port)}`,
      `--public-url=${origin}/`,
      `--ticket-keys-secret=${home}/${TICKET_KEYS_SECRET}`,
      '--metrics-bind-address=0',
      '--health-probe-bind-address=0',
      ...flags,
    ],
    env: {},
    log: pino({ level: process.env.DAAS_TEST_LOG_LEVEL ?? 'warn' }),
  });
  await running.manager.waitForCacheSync();
  return {
    running,
    origin,
    ticketUrl(user, namespace, name) {
      const out = running.gateway.issue(user, namespace, name);
      if (!out.ok) throw new Error(out.refusal);
      return out.value.url;
    },
    stop: (() => {
      let stopping: Promise<void> | undefined;
      return () => (stopping ??= running.stop());
    })(),
  };
}

/** Waits until the gateway's cache shows the session running and issues its owner a ticket. */
export async function untilGatewayServes(
  gateway: TestGateway,
  user: string,
  namespace: string,
  name: string,
): Promise<void> {
  await eventually(`the gateway serving ${namespace}/${name}`, () => {
    const out = gateway.running.gateway.issue(user, namespace, name);
    return out.ok ? true : undefined;
  });
}

/** Redeems a ticket URL as a browser would: returns the cookie (name=value) and where it redirects. */
export async function redeem(
  url: string,
): Promise<{ status: number; cookie: string | undefined; location: string | null; body: string }> {
  const res = await fetch(url, { redirect: 'manual' });
  const setCookie = res.headers.get('set-cookie');
  return {
    status: res.status,
    cookie: setCookie?.split(';')[0],
    location: res.headers.get('location'),
    body: await res.text(),
  };
}

/** The gateway flag that lets the operator's service account `daas-operator` of `namespace` read activity. */
export const activityReaders = (namespace: string) =>
  `--activity-readers=system:serviceaccount:${namespace}:daas-operator`;

/**
 * Creates the operator's service account `daas-operator` in `namespace` and writes a token of it to
 * `file` (the operator's --gateway-token-file), as the gateway's activity endpoint expects.
 */
export async function writeOperatorToken(kc: KubeConfig, namespace: string, file: string): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'daas-operator' } } });
  const token = await eventually('a service-account token', () =>
    core
      .createNamespacedServiceAccountToken({
        name: 'daas-operator',
        namespace,
        body: { spec: { audiences: [], expirationSeconds: 600 } },
      })
      .then((r) => r.status?.token),
  );
  await writeFile(file, token);
}
