// The dashboard's process (the gateway inside it) as a site runs it: one replica (tickets are
// single-use, remembered in memory; see docs/operations.md), its Service and NetworkPolicy.
import { componentLabels, DASHBOARD, SYSTEM_NAMESPACE } from './names.ts';
import { DASHBOARD_NAMESPACE_RULES, DASHBOARD_RULES } from './rbac.ts';
import { container, deployment, serviceAccountWithRbac } from './workload.ts';

type Manifest = Record<string, unknown>;

/** The entry point the dashboard's container runs. */
export const DASHBOARD_MAIN = 'dashboard/gateway/main.ts';
const HTTP_PORT = 8090;

export function dashboardManifests(): Manifest[] {
  const labels = componentLabels(DASHBOARD);
  const metadata = { name: DASHBOARD, namespace: SYSTEM_NAMESPACE, labels };
  return [
    ...serviceAccountWithRbac(DASHBOARD, DASHBOARD_RULES, DASHBOARD_NAMESPACE_RULES),
    deployment(DASHBOARD, {
      replicas: 1,
      // A new pod only once the old one is gone: two replicas would each accept a ticket once.
      strategy: { type: 'Recreate' },
      container: container({
        name: 'dashboard',
        args: [
          DASHBOARD_MAIN,
          `--listen-address=:${String(HTTP_PORT)}`,
          '--metrics-bind-address=:8092',
          '--health-probe-bind-address=:8093',
        ],
        ports: [
          { name: 'http', containerPort: HTTP_PORT },
          { name: 'metrics', containerPort: 8092 },
          { name: 'health', containerPort: 8093 },
        ],
        // Measured by npm run bench:gateway: well under 1 MiB per open desktop stream.
        resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } },
        healthPort: 'health',
      }),
    }),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata,
      spec: {
        selector: labels,
        ports: [
          { name: 'http', port: 80, targetPort: 'http' },
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
        ingress: [{ ports: [{ port: 'http' }, { port: 'metrics' }] }],
      },
    },
  ];
}
