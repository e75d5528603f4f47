// The gateway's configuration: the runtime's settings it uses (cluster, namespaces, metrics, health,
// logs) and its own. Flags, variables (DAAS_GATEWAY_* for its own, so one environment can configure
// both the operator and the gateway) and --help come from this schema (runtime/config.ts).
import { z } from 'zod';
import {
  address,
  commaList,
  dnsLabel,
  dnsSubdomain,
  duration,
  parseConfig,
  runtimeConfigSchema,
} from '../../runtime/config.ts';

const runtime = runtimeConfigSchema.shape;

/** namespace/name of a Secret (the dashboard's flags use it too). */
export const secretRef = z.string().transform((text, ctx) => {
  const [namespace = '', name = '', extra] = text.split('/');
  if (
    extra !== undefined ||
    !dnsLabel().safeParse(namespace).success ||
    !dnsSubdomain().safeParse(name).success
  ) {
    ctx.addIssue({ code: 'custom', message: 'expected namespace/name of a Secret' });
    return z.NEVER;
  }
  return { namespace, name };
});

/** An http(s) URL with no path, where browsers reach a server; `example` shows one in the error. */
export const publicUrlOf = (example: string) =>
  z.string().transform((text, ctx) => {
    const url = URL.parse(text);
    if (!url) {
      ctx.addIssue({ code: 'custom', message: `expected an http(s) URL such as ${example}` });
      return z.NEVER;
    }
    if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.pathname !== '/' || url.search) {
      ctx.addIssue({ code: 'custom', message: `expected an http(s) URL with no path, such as ${example}` });
      return z.NEVER;
    }
    return url;
  });

const publicUrl = publicUrlOf('https://gateway.facility.example/');

export const gatewayConfigSchema = z.object({
  kubeconfig: runtime.kubeconfig,
  namespaces: runtime.namespaces,
  logLevel: runtime.logLevel,
  listenAddress: address.default(':8090').meta({
    env: 'DAAS_GATEWAY_LISTEN_ADDRESS',
    description: 'where browsers connect (plain HTTP; terminate TLS in front)',
  }),
  publicUrl: publicUrl.prefault('http://127.0.0.1:8090/').meta({
    env: 'DAAS_GATEWAY_PUBLIC_URL',
    description: 'the URL browsers reach the gateway at; WebSockets are accepted from its origin only',
  }),
  ticketKeysSecret: secretRef.prefault('daas-system/daas-gateway-ticket-keys').meta({
    env: 'DAAS_GATEWAY_TICKET_KEYS_SECRET',
    description: 'the Secret (namespace/name) with the ticket keys: primary, and secondary during a rotation',
  }),
  maxConnectionsPerUser: z
    .string()
    .regex(/^\d+$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().min(1, 'must be at least 1').max(1000, 'must be at most 1000'))
    .prefault('20')
    .meta({
      env: 'DAAS_GATEWAY_MAX_CONNECTIONS_PER_USER',
      description: 'open WebSocket connections (desktops, kernels) one user may have at once',
    }),
  activityReaders: commaList(z.string().min(1))
    .prefault('system:serviceaccount:daas-system:daas-operator')
    .meta({
      env: 'DAAS_GATEWAY_ACTIVITY_READERS',
      description:
        'users (by TokenReview) who may read /activity/<namespace>/<name>, comma-separated (empty: nobody)',
    }),
  keepalive: duration.prefault('30s').meta({
    env: 'DAAS_GATEWAY_KEEPALIVE',
    description: 'how often browsers are pinged; one missed answer closes the connection',
  }),
  metricsBindAddress: address.default(':8092').meta({
    env: 'DAAS_GATEWAY_METRICS_BIND_ADDRESS',
    description: 'where Prometheus /metrics is served (0 disables)',
  }),
  healthProbeBindAddress: address.default(':8093').meta({
    env: 'DAAS_GATEWAY_HEALTH_PROBE_BIND_ADDRESS',
    description: 'where /healthz and /readyz are served (0 disables); ready once caches have synced',
  }),
});

export type GatewayConfig = z.output<typeof gatewayConfigSchema>;

export function loadGatewayConfig(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): GatewayConfig {
  return parseConfig(gatewayConfigSchema, argv, env);
}
