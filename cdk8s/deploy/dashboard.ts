// The dashboard's process (the gateway inside it, on its own port and origin) as a site runs it: one
// replica (tickets are single-use, remembered in memory; see docs/operations.md), its Service and
// NetworkPolicy.
import {
  componentLabels,
  DASHBOARD,
  OIDC_CLIENT_SECRET,
  SESSION_KEYS_SECRET,
  SYSTEM_NAMESPACE,
  TICKET_KEYS_SECRET,
} from './names.ts';
import { DASHBOARD_NAMESPACE_RULES, DASHBOARD_RULES } from './rbac.ts';
import {
  container,
  deployment,
  secretVolumes,
  serviceAccountWithRbac,
  type ContainerOptions,
} from './workload.ts';

type Manifest = Record<string, unknown>;

/** The entry point the dashboard's container runs. */
export const DASHBOARD_MAIN = 'dashboard/main.ts';
const HTTP_PORT = 8080;
const GATEWAY_PORT = 8090;

/** The authenticating proxy's shared secret (a file), for sign-in by trusted headers. */
export const PROXY_SECRET = 'daas-dashboard-proxy-secret';

const containerOptions: ContainerOptions = {
  name: 'dashboard',
  args: [
    DASHBOARD_MAIN,
    `--listen-address=:${String(HTTP_PORT)}`,
    `--session-keys-secret=${SYSTEM_NAMESPACE}/${SESSION_KEYS_SECRET}`,
    // Sign-in through an authenticating proxy beside the dashboard in its pod (a site's overlay adds
    // it, e.g. oauth2-proxy in front of port http), which sends the secret of this file.
    '--trusted-proxies=127.0.0.1',
    '--trusted-proxy-secret-file=/etc/daas/proxy/secret',
    // OpenID Connect sign-in once the site sets DAAS_DASHBOARD_OIDC_ISSUER (site-config.ts) and
    // creates the client's Secret; the file is read only then, so the Secret is optional.
    '--oidc-client-secret-file=/etc/daas/oidc/client-secret',
    `--gateway-listen-address=:${String(GATEWAY_PORT)}`,
    `--gateway-ticket-keys-secret=${SYSTEM_NAMESPACE}/${TICKET_KEYS_SECRET}`,
    '--gateway-metrics-bind-address=:8092',
    '--gateway-health-probe-bind-address=:8093',
  ],
  ports: [
    { name: 'http', containerPort: HTTP_PORT },
    { name: 'gateway', containerPort: GATEWAY_PORT },
    { name: 'metrics', containerPort: 8092 },
    { name: 'health', containerPort: 8093 },
  ],
  // Measured by npm run bench:gateway: well under 1 MiB per open desktop stream.
  resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } },
  healthPort: 'health',
  secretFiles: [
    { name: 'proxy-secret', mountPath: '/etc/daas/proxy', secretName: PROXY_SECRET },
    { name: 'oidc-client', mountPath: '/etc/daas/oidc', secretName: OIDC_CLIENT_SECRET, optional: true },
  ],
};

export function dashboardManifests(): Manifest[] {
  const labels = componentLabels(DASHBOARD);
  const metadata = { name: DASHBOARD, namespace: SYSTEM_NAMESPACE, labels };
  return [
    ...serviceAccountWithRbac(DASHBOARD, DASHBOARD_RULES, DASHBOARD_NAMESPACE_RULES),
    deployment(DASHBOARD, {
      replicas: 1,
      // A new pod only once the old one is gone: two replicas would each accept a ticket once.
      strategy: { type: 'Recreate' },
      container: container(containerOptions),
      volumes: secretVolumes(containerOptions),
    }),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata,
      spec: {
        selector: labels,
        // Two origins for the site's ingress: the dashboard, and the gateway that serves sessions.
        ports: [
          { name: 'http', port: 80, targetPort: 'http' },
          { name: 'gateway', port: GATEWAY_PORT, targetPort: 'gateway' },
          { name: 'metrics', port: 8092, targetPort: 'metrics' },
        ],
      },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata,
      spec: {
        podSelector: { matchLabels: labels },
        policyTypes: ['Ingress'],
        // Browsers arrive through the site's ingress controller; Prometheus scrapes metrics.
        ingress: [{ ports: [{ port: 'http' }, { port: 'gateway' }, { port: 'metrics' }] }],
      },
    },
  ];
}
