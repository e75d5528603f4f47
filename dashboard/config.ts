// The dashboard's configuration: the runtime's settings it uses, its own (DAAS_DASHBOARD_*), and the
// embedded gateway's, as --gateway-* flags with the gateway's own DAAS_GATEWAY_* variables. Every
// problem is named at once (runtime/config.ts), like the operator's and the gateway's.
import { z } from 'zod';
import { ADMINS_GROUP } from '../crds/index.ts';
import {
  boolean,
  commaList,
  dnsLabel,
  duration,
  parseConfig,
  runtimeConfigSchema,
  address,
} from '../runtime/config.ts';
import { gatewayConfigSchema, publicUrlOf, secretRef, type GatewayConfig } from './gateway/config.ts';

const runtime = runtimeConfigSchema.shape;
const SHARED = ['kubeconfig', 'namespaces', 'logLevel'] as const;

type GatewayKey = Exclude<keyof typeof gatewayConfigSchema.shape, (typeof SHARED)[number]>;
const prefixed = (key: string) => `gateway${key[0]?.toUpperCase() ?? ''}${key.slice(1)}`;

/** The gateway's own fields under gateway* keys (flags --gateway-*, the gateway's variables). */
const gatewayFields = Object.fromEntries(
  Object.entries(gatewayConfigSchema.shape)
    .filter(([key]) => !(SHARED as readonly string[]).includes(key))
    .map(([key, field]) => [prefixed(key), field]),
) as { [K in GatewayKey as `gateway${Capitalize<K>}`]: (typeof gatewayConfigSchema.shape)[K] };

const publicUrl = publicUrlOf('https://daas.facility.example/');

const ipAddress = z.union([z.ipv4(), z.ipv6()], { error: 'expected IP addresses such as 127.0.0.1' });

const LOOPBACK_HOST = /^(127(\.\d{1,3}){3}|localhost|\[::1\])$/;

/** The OpenID provider's issuer: https, or http on a loopback address (a test provider). */
const issuerUrl = z.string().transform((text, ctx) => {
  const url = URL.parse(text);
  if (!url || url.search || url.hash) {
    ctx.addIssue({
      code: 'custom',
      message: 'expected the issuer URL, such as https://login.facility.example/realms/facility',
    });
    return z.NEVER;
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOST.test(url.hostname))) {
    ctx.addIssue({ code: 'custom', message: 'must be https (http only on a loopback address, for tests)' });
    return z.NEVER;
  }
  return url;
});

/** A claim name prefix; `-` means none, as for the API server's --oidc-username-prefix. */
const claimPrefix = z.string().transform((p) => (p === '-' ? '' : p));
const claimName = z.string().regex(/^[^\s,]+$/, 'expected a claim name such as preferred_username');
const scope = z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'expected scope names such as openid,profile');

export const dashboardConfigSchema = z
  .object({
    kubeconfig: runtime.kubeconfig,
    namespaces: runtime.namespaces,
    logLevel: runtime.logLevel,
    listenAddress: address.default(':8070').meta({
      env: 'DAAS_DASHBOARD_LISTEN_ADDRESS',
      description: 'where browsers reach the dashboard (plain HTTP; terminate TLS in front)',
    }),
    publicUrl: publicUrl.prefault('http://127.0.0.1:8070/').meta({
      env: 'DAAS_DASHBOARD_PUBLIC_URL',
      description: 'the URL browsers open (no path); https makes the session cookie Secure',
    }),
    sessionKeysFile: z.string().min(1).optional().meta({
      env: 'DAAS_DASHBOARD_SESSION_KEYS_FILE',
      description:
        'a file with the cookie signing keys (base64, one per line: primary, then an optional secondary); unset: --session-keys-secret',
    }),
    sessionKeysSecret: secretRef.prefault('daas-system/daas-dashboard-session-keys').meta({
      env: 'DAAS_DASHBOARD_SESSION_KEYS_SECRET',
      description: 'the Secret (namespace/name) with the cookie signing keys: primary, secondary',
    }),
    sessionLifetime: duration.prefault('12h').meta({
      env: 'DAAS_DASHBOARD_SESSION_LIFETIME',
      description: 'how long a sign-in lasts at most (an OpenID sign-in: no longer than its ID token)',
    }),
    demoSignIn: boolean.prefault('false').meta({
      env: 'DAAS_DASHBOARD_DEMO_SIGN_IN',
      description: 'offer the demo sign-in (pick a sample user, no password): never in production',
    }),
    trustedProxies: commaList(ipAddress).prefault('').meta({
      env: 'DAAS_DASHBOARD_TRUSTED_PROXIES',
      description:
        'addresses of the authenticating proxies whose user and group headers are believed (empty: off)',
    }),
    trustedProxySecretFile: z.string().min(1).optional().meta({
      env: 'DAAS_DASHBOARD_TRUSTED_PROXY_SECRET_FILE',
      description: 'a file with the secret the proxy sends in --trusted-secret-header (needed with proxies)',
    }),
    trustedUserHeader: z.string().min(1).default('x-forwarded-user').meta({
      env: 'DAAS_DASHBOARD_TRUSTED_USER_HEADER',
      description: 'the header with the user name, from a trusted proxy',
    }),
    trustedGroupsHeader: z.string().min(1).default('x-forwarded-groups').meta({
      env: 'DAAS_DASHBOARD_TRUSTED_GROUPS_HEADER',
      description: 'the header with the groups (comma-separated), from a trusted proxy',
    }),
    trustedSecretHeader: z.string().min(1).default('x-daas-proxy-secret').meta({
      env: 'DAAS_DASHBOARD_TRUSTED_SECRET_HEADER',
      description: 'the header that carries the shared secret of the proxy',
    }),
    oidcIssuer: issuerUrl.optional().meta({
      env: 'DAAS_DASHBOARD_OIDC_ISSUER',
      description:
        'the OpenID provider (issuer URL; its discovery document is read at sign-in); set: sign in with OpenID Connect',
    }),
    oidcClientId: z.string().min(1).optional().meta({
      env: 'DAAS_DASHBOARD_OIDC_CLIENT_ID',
      description: "the dashboard's client id at the OpenID provider",
    }),
    oidcClientSecretFile: z.string().min(1).optional().meta({
      env: 'DAAS_DASHBOARD_OIDC_CLIENT_SECRET_FILE',
      description: "a file with the client's secret (mount it from a Secret; never a flag value)",
    }),
    oidcScopes: commaList(scope).prefault('openid,profile,email').meta({
      env: 'DAAS_DASHBOARD_OIDC_SCOPES',
      description: 'the scopes asked for (openid among them)',
    }),
    oidcUsernameClaim: claimName.default('preferred_username').meta({
      env: 'DAAS_DASHBOARD_OIDC_USERNAME_CLAIM',
      description: "the ID token claim with the user name: the API server's --oidc-username-claim",
    }),
    oidcUsernamePrefix: claimPrefix.prefault('').meta({
      env: 'DAAS_DASHBOARD_OIDC_USERNAME_PREFIX',
      description: "put before the user name (- or empty: none): the API server's --oidc-username-prefix",
    }),
    oidcGroupsClaim: claimName.default('groups').meta({
      env: 'DAAS_DASHBOARD_OIDC_GROUPS_CLAIM',
      description: "the ID token claim with the groups: the API server's --oidc-groups-claim",
    }),
    oidcGroupsPrefix: claimPrefix.prefault('').meta({
      env: 'DAAS_DASHBOARD_OIDC_GROUPS_PREFIX',
      description: "put before each group (- or empty: none): the API server's --oidc-groups-prefix",
    }),
    adminGroup: z.string().min(1).default(ADMINS_GROUP).meta({
      env: 'DAAS_DASHBOARD_ADMIN_GROUP',
      description: 'members of this group see the admin pages (RBAC still decides every write)',
    }),
    favoritesNamespace: dnsLabel('expected a namespace name').default('daas-system').meta({
      env: 'DAAS_DASHBOARD_FAVORITES_NAMESPACE',
      description: "where the users' favorites are kept (one ConfigMap per user)",
    }),
    membershipTtl: duration.prefault('30s').meta({
      env: 'DAAS_DASHBOARD_MEMBERSHIP_TTL',
      description: 'how long an answer of the API server on who may launch where is reused',
    }),
    ...gatewayFields,
  })
  .superRefine((c, ctx) => {
    if (c.trustedProxies.length > 0 && !c.trustedProxySecretFile)
      ctx.addIssue({
        code: 'custom',
        path: ['trustedProxySecretFile'],
        message: 'is needed when --trusted-proxies is set: headers are believed only with the shared secret',
      });
    if (c.oidcIssuer) {
      const needed = 'is needed with --oidc-issuer';
      if (!c.oidcClientId) ctx.addIssue({ code: 'custom', path: ['oidcClientId'], message: needed });
      if (!c.oidcClientSecretFile)
        ctx.addIssue({ code: 'custom', path: ['oidcClientSecretFile'], message: needed });
      if (!c.oidcScopes.includes('openid'))
        ctx.addIssue({ code: 'custom', path: ['oidcScopes'], message: 'must include openid' });
    }
    if (!c.demoSignIn && c.trustedProxies.length === 0 && !c.oidcIssuer)
      ctx.addIssue({
        code: 'custom',
        path: ['demoSignIn'],
        message:
          'no way to sign in: set --oidc-issuer, --trusted-proxies (with --trusted-proxy-secret-file) or --demo-sign-in',
      });
  });

export type DashboardConfig = z.output<typeof dashboardConfigSchema>;

export function loadDashboardConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env) {
  return parseConfig(dashboardConfigSchema, argv, env);
}

/** The embedded gateway's configuration, from the dashboard's. */
export function gatewayConfigOf(config: DashboardConfig): GatewayConfig {
  const own = Object.fromEntries(
    Object.keys(gatewayConfigSchema.shape)
      .filter((key) => !(SHARED as readonly string[]).includes(key))
      .map((key) => [key, (config as Record<string, unknown>)[prefixed(key)]]),
  );
  return {
    ...own,
    kubeconfig: config.kubeconfig,
    namespaces: config.namespaces,
    logLevel: config.logLevel,
  } as GatewayConfig;
}
