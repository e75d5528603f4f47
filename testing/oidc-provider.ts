// A real OpenID provider for tests: the certified `oidc-provider` package on 127.0.0.1, with one
// confidential client (PKCE required), accounts with passwords and groups, a login page of its own
// (no consent for the first-party client, as sites configure Keycloak), ID tokens that carry the
// profile and groups claims (as the API server reads them), and RP-initiated logout. Plus a
// browser-like agent for its pages (its own cookie jar), to drive the sign-in redirects with fetch.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import Provider, { type Configuration } from 'oidc-provider';
import { freePort } from '../tools/controlplane/cluster.ts';
import { startTestDashboard, type TestDashboard } from './dashboard.ts';

export interface TestAccount {
  password: string;
  groups: string[];
  email?: string;
}

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Seconds an ID token lasts. */
  idTokenTtl: number;
  stop(): Promise<void>;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${String(c.charCodeAt(0))};`);

const loginPage = (uid: string, error = '') => `<!doctype html><html><body>
<h1>Facility login</h1>${error ? `<p class="error">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}">
<input name="login" autocomplete="username"><input name="password" type="password"><button>Sign in</button>
</form></body></html>`;

async function formBody(req: IncomingMessage): Promise<URLSearchParams> {
  let text = '';
  for await (const chunk of req) text += (chunk as Buffer).toString();
  return new URLSearchParams(text);
}

/** Starts the provider on `port` (0: any free one) for a client whose dashboard is at `dashboardOrigin`. */
export async function startTestProvider(options: {
  port: number;
  dashboardOrigin: string;
  accounts: Record<string, TestAccount>;
  clientSecret: string;
  idTokenTtl?: number;
}): Promise<TestProvider> {
  const { accounts, clientSecret } = options;
  const clientId = 'daas-dashboard';
  const idTokenTtl = options.idTokenTtl ?? 600;
  const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(options.port, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;

  const configuration: Configuration = {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [`${options.dashboardOrigin}/signin/callback`],
        post_logout_redirect_uris: [`${options.dashboardOrigin}/signed-out`],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [{ ...signingKey, kid: 'test', use: 'sig', alg: 'RS256' }] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    pkce: { required: () => true },
    claims: {
      openid: ['sub'],
      profile: ['preferred_username'],
      email: ['email', 'email_verified'],
      groups: ['groups'],
    },
    // The claims of the granted scopes in the ID token itself, which is what the API server reads.
    conformIdTokenClaims: false,
    ttl: { IdToken: idTokenTtl, AccessToken: idTokenTtl, Grant: 3600, Session: 3600, Interaction: 600 },
    features: {
      devInteractions: { enabled: false },
      // The logout page without the default's web font, so a browser test asks no outside host.
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => {
          ctx.body = `<!doctype html><html><body><h1>Sign out of the facility?</h1>${form}
<button type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button></body></html>`;
        },
      },
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx, id) => {
      const account = accounts[id];
      if (!account) return undefined;
      return {
        accountId: id,
        claims: () => ({
          sub: id,
          preferred_username: id,
          groups: account.groups,
          ...(account.email ? { email: account.email, email_verified: true } : {}),
        }),
      };
    },
    // A first-party client: the scopes it asks for are granted without a consent page.
    loadExistingGrant: async (ctx) => {
      const { Grant } = ctx.oidc.provider;
      const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session?.grantIdFor(clientId);
      if (grantId) return Grant.find(grantId);
      const grant = new Grant({ clientId, accountId: ctx.oidc.session?.accountId ?? '' });
      const asked = ctx.oidc.params?.scope;
      grant.addOIDCScope(typeof asked === 'string' ? asked : 'openid');
      await grant.save();
      return grant;
    },
  };
  const provider = new Provider(issuer, configuration);
  const callback = provider.callback();

  async function interaction(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const uid = (req.url ?? '').split('/')[2] ?? '';
    await provider.interactionDetails(req, res);
    if (req.method !== 'POST') {
      res.setHeader('content-type', 'text/html').end(loginPage(uid));
      return;
    }
    const form = await formBody(req);
    const login = form.get('login') ?? '';
    if (accounts[login]?.password !== form.get('password')) {
      res.setHeader('content-type', 'text/html').end(loginPage(uid, 'Wrong user name or password.'));
      return;
    }
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: login } },
      { mergeWithLastSubmission: false },
    );
  }

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.startsWith('/interaction/'))
      interaction(req, res).catch((err: unknown) => {
        res.statusCode = 400;
        res.end((err as Error).message);
      });
    else void callback(req, res);
  });

  return {
    issuer,
    clientId,
    clientSecret,
    idTokenTtl,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/**
 * A test dashboard signing in with OpenID Connect at a test provider. The dashboard discovers the
 * provider at the first sign-in, so the provider starts after it (its client's redirect URIs name
 * the dashboard's address); `beforeProvider` runs in between.
 */
export async function startDashboardWithProvider(
  kc: KubeConfig,
  namespaces: string[],
  options: {
    accounts: Record<string, TestAccount>;
    idTokenTtl?: number;
    beforeProvider?: (dashboard: TestDashboard) => Promise<void>;
  },
): Promise<{ dashboard: TestDashboard; provider: TestProvider; stop: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'oidc-'));
  const clientSecret = randomBytes(24).toString('base64url');
  await writeFile(join(dir, 'client-secret'), `${clientSecret}\n`);
  const port = await freePort();
  const dashboard = await startTestDashboard(kc, namespaces, [
    `--oidc-issuer=http://127.0.0.1:${String(port)}`,
    '--oidc-client-id=daas-dashboard',
    `--oidc-client-secret-file=${join(dir, 'client-secret')}`,
    '--oidc-scopes=openid,profile,groups',
    '--oidc-username-prefix=-',
  ]);
  await options.beforeProvider?.(dashboard);
  const provider = await startTestProvider({
    port,
    dashboardOrigin: dashboard.origin,
    accounts: options.accounts,
    clientSecret,
    ...(options.idTokenTtl ? { idTokenTtl: options.idTokenTtl } : {}),
  });
  return {
    dashboard,
    provider,
    stop: async () => {
      await dashboard.stop();
      await provider.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A browser at the provider's pages: its cookies, redirects answered one at a time. */
export class ProviderBrowser {
  private readonly cookies = new Map<string, string>();

  private remember(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const value = pair.slice(eq + 1);
      if (!value || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(pair.slice(0, eq));
      else this.cookies.set(pair.slice(0, eq), value);
    }
  }

  async request(
    url: string,
    form?: Record<string, string>,
  ): Promise<{ status: number; location: string | undefined; text: string }> {
    const res = await fetch(url, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(form ? { body: new URLSearchParams(form) } : {}),
    });
    this.remember(res);
    const location = res.headers.get('location');
    return {
      status: res.status,
      location: location ? new URL(location, url).href : undefined,
      text: await res.text(),
    };
  }

  /**
   * Follows the provider's redirects from `url`, signing in with `login` when its login page shows,
   * until a redirect leaves the provider; returns where it leads (the dashboard's callback).
   */
  async signIn(url: string, login?: { user: string; password: string }): Promise<string> {
    let next = url;
    for (let hop = 0; hop < 10; hop++) {
      const origin = new URL(next).origin;
      let answer = await this.request(next);
      if (answer.status === 200 && answer.text.includes('Facility login')) {
        if (!login) throw new Error('the provider asks for a login');
        answer = await this.request(next, { login: login.user, password: login.password });
      }
      if (!answer.location) throw new Error(`the provider answered ${String(answer.status)}: ${answer.text}`);
      if (new URL(answer.location).origin !== origin) return answer.location;
      next = answer.location;
    }
    throw new Error('too many redirects at the provider');
  }
}
