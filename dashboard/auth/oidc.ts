// OpenID Connect sign-in (openid-client): discovery from the issuer, the authorization code flow with
// PKCE, state and nonce. What a browser's sign-in in progress needs (state, nonce, PKCE verifier,
// where to go after) travels in a short-lived signed cookie, so the dashboard keeps no server state.
import * as client from 'openid-client';
import type { Logger } from 'pino';
import { sign, verify, type Keyring } from '../gateway/signing.ts';
import { identityFromClaims, type ClaimIdentity, type ClaimRules } from './oidc-claims.ts';

/** The cookie of a sign-in in progress. */
export const PENDING_COOKIE = 'daas_oidc';
/** How long a browser may take at the provider's login page. */
export const PENDING_LIFETIME_MS = 10 * 60_000;
/** The dashboard's paths the provider sends browsers back to (register them with the client). */
export const CALLBACK_PATH = '/signin/callback';
export const SIGNED_OUT_PATH = '/signed-out';

export interface OidcSettings {
  issuer: URL;
  clientId: string;
  clientSecret: string;
  scopes: readonly string[];
  /** The dashboard's --public-url: the redirect URIs are derived from it. */
  publicUrl: URL;
  claims: ClaimRules;
}

export interface PendingSignIn {
  kind: 'oidc-pending';
  state: string;
  nonce: string;
  verifier: string;
  next: string;
  expiresAt: number;
}

export const sealPending = (keys: Keyring, pending: PendingSignIn) => sign(keys, pending);

/** The sign-in in progress a cookie holds, if signed by us, well formed and not too old. */
export function openPending(
  keys: Keyring,
  value: string | undefined,
  now: number,
): PendingSignIn | undefined {
  if (!value) return undefined;
  const p = verify(keys, value) as Partial<PendingSignIn> | undefined;
  if (
    p?.kind !== 'oidc-pending' ||
    typeof p.state !== 'string' ||
    typeof p.nonce !== 'string' ||
    typeof p.verifier !== 'string' ||
    typeof p.next !== 'string' ||
    typeof p.expiresAt !== 'number' ||
    p.expiresAt <= now
  )
    return undefined;
  return p as PendingSignIn;
}

/** Why a sign-in answer was not accepted, in words for the page; `status` is the page's status. */
export class SignInRefused extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export interface FinishedSignIn {
  identity: ClaimIdentity;
  /** When the ID token expires (ms since the epoch): the sign-in lasts no longer. */
  expiresAt: number;
}

export class OidcSignIn {
  private readonly settings: OidcSettings;
  private readonly log: Logger;
  private discovered: Promise<client.Configuration> | undefined;
  private endSessionOrigin: string | undefined;

  constructor(settings: OidcSettings, log: Logger) {
    this.settings = settings;
    this.log = log;
  }

  get redirectUri(): URL {
    return new URL(CALLBACK_PATH, this.settings.publicUrl);
  }

  get postLogoutRedirectUri(): URL {
    return new URL(SIGNED_OUT_PATH, this.settings.publicUrl);
  }

  /**
   * The provider's metadata, discovered once; a failed discovery is not remembered, so the next
   * sign-in asks again (each try comes from a browser, never from a loop).
   */
  configuration(): Promise<client.Configuration> {
    const { issuer, clientId, clientSecret } = this.settings;
    this.discovered ??= client
      .discovery(issuer, clientId, clientSecret, client.ClientSecretBasic(clientSecret), {
        timeout: 10,
        // Only a loopback issuer (a test provider) may be plain http: config.ts allows no other.
        // eslint-disable-next-line @typescript-eslint/no-deprecated -- deprecated only to stand out
        execute: issuer.protocol === 'http:' ? [client.allowInsecureRequests] : [],
      })
      .then((config) => {
        const endSession = config.serverMetadata().end_session_endpoint;
        this.endSessionOrigin = endSession ? new URL(endSession).origin : undefined;
        return config;
      })
      .catch((err: unknown) => {
        this.discovered = undefined;
        // fetch's "fetch failed" says why in its cause (ECONNREFUSED, a name not found...).
        const why = (err as Error & { cause?: { code?: string } }).cause?.code;
        if (why) (err as Error).message += ` (${why})`;
        this.log.warn({ issuer: issuer.href, err: (err as Error).message }, 'OpenID discovery failed');
        throw new SignInRefused(
          503,
          `The facility's sign-in service (${issuer.href}) cannot be reached: ${(err as Error).message}. Try again in a minute.`,
        );
      });
    return this.discovered;
  }

  /** Where to send the browser, and what its cookie must remember until it comes back. */
  async begin(next: string, now: number): Promise<{ url: URL; pending: PendingSignIn }> {
    const config = await this.configuration();
    const pending: PendingSignIn = {
      kind: 'oidc-pending',
      state: client.randomState(),
      nonce: client.randomNonce(),
      verifier: client.randomPKCECodeVerifier(),
      next,
      expiresAt: now + PENDING_LIFETIME_MS,
    };
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUri.href,
      scope: this.settings.scopes.join(' '),
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(pending.verifier),
      code_challenge_method: 'S256',
    });
    return { url, pending };
  }

  /** Checks the provider's answer against the pending sign-in and redeems the code. */
  async finish(search: string, pending: PendingSignIn): Promise<FinishedSignIn> {
    const config = await this.configuration();
    // The URL the provider redirected to, rebuilt from --public-url (not from the Host header).
    const current = new URL(this.redirectUri);
    current.search = search;
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
    } catch (err) {
      if (err instanceof client.AuthorizationResponseError)
        throw new SignInRefused(
          403,
          `The sign-in service did not sign you in: ${err.error_description ?? err.error}.`,
        );
      if (err instanceof client.ResponseBodyError)
        throw new SignInRefused(
          403,
          `The sign-in service refused the sign-in: ${err.error_description ?? err.error}.`,
        );
      const { name, message, code, cause } = err as Error & { code?: string };
      if (err instanceof TypeError || code === 'OAUTH_TIMEOUT' || name === 'AbortError')
        throw new SignInRefused(502, `The sign-in service could not be asked: ${message}.`);
      // openid-client's checks (state, nonce, issuer, audience, signature, expiry); the cause
      // names the claim or parameter that did not match.
      const detail = cause instanceof Error ? cause.message : message;
      throw new SignInRefused(
        403,
        `Refused: the sign-in service's answer does not match the sign-in this browser started (${detail}).`,
      );
    }
    const claims = tokens.claims();
    if (!claims) throw new SignInRefused(403, 'Refused: the sign-in service sent no ID token.');
    return { identity: identityFromClaims(claims, this.settings.claims), expiresAt: claims.exp * 1000 };
  }

  /** The provider's logout page (RP-initiated logout) that sends the browser back, if it has one. */
  async endSessionUrl(): Promise<URL | undefined> {
    const config = await this.configuration().catch(() => undefined);
    if (!config?.serverMetadata().end_session_endpoint) return undefined;
    return client.buildEndSessionUrl(config, {
      client_id: this.settings.clientId,
      post_logout_redirect_uri: this.postLogoutRedirectUri.href,
    });
  }

  /** Origins the sign-out form may be redirected to (the page's CSP form-action). */
  formTargets(): string[] {
    const origins = [this.settings.issuer.origin];
    if (this.endSessionOrigin && this.endSessionOrigin !== origins[0]) origins.push(this.endSessionOrigin);
    return origins;
  }
}
