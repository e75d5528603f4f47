// A client of Apache Guacamole's REST API for the operator: token login with the admin credentials
// (form-encoded), the token in the Guacamole-Token header, one login again and retry when a request
// answers 403 PERMISSION_DENIED (how Guacamole reports an expired or unknown token, indistinguishable
// from a real denial), a timeout on every request, and typed errors. Never logs or throws a token or
// a password.
import { loginRequest, type GuacamoleRequest } from './requests.ts';

export interface GuacamoleCredentials {
  username: string;
  password: string;
}

/** Guacamole's error body: {message, translatableMessage, statusCode, expected, type}. */
export interface GuacamoleErrorBody {
  message?: string;
  type?: string;
}

/** Guacamole could not be reached: connection refused, timeout, or a proxy's 502/503/504. */
export class GuacamoleUnreachable extends Error {
  override readonly name = 'GuacamoleUnreachable';
}

/** Guacamole answered with an error (status and Guacamole's type, e.g. 404 NOT_FOUND). */
export class GuacamoleApiError extends Error {
  override readonly name = 'GuacamoleApiError';
  readonly status: number;
  readonly type: string;
  constructor(status: number, type: string, message: string) {
    super(message);
    this.status = status;
    this.type = type;
  }
}

/** Guacamole refused the operator's own credentials (403 INVALID_CREDENTIALS at login). */
export class GuacamoleLoginRefused extends Error {
  override readonly name = 'GuacamoleLoginRefused';
}

export const isNotFound = (err: unknown): boolean => err instanceof GuacamoleApiError && err.status === 404;

export interface GuacamoleClientOptions {
  /** The web application's base URL, ending in / (e.g. https://guacamole.facility.example/guacamole/). */
  baseUrl: string;
  /** Read at every login, so rotated credentials are picked up without a restart. */
  credentials: () => Promise<GuacamoleCredentials>;
  timeoutMs: number;
}

const UNAVAILABLE_STATUSES = new Set([502, 503, 504]);

export class GuacamoleClient {
  private readonly o: GuacamoleClientOptions;
  private token: string | undefined;
  /** One login at a time: concurrent passes wait for the same one. */
  private loggingIn: Promise<string> | undefined;

  constructor(options: GuacamoleClientOptions) {
    this.o = options;
  }

  /** Sends `req` with the current token (logging in first if needed); on 403, logs in again once. */
  async send<T>(req: GuacamoleRequest): Promise<T> {
    const token = this.token ?? (await this.login());
    try {
      return await this.raw<T>(req, token);
    } catch (err) {
      // 403 PERMISSION_DENIED is also what an expired token gets (401 is not used, but a proxy may
      // answer it): log in again and retry once; a second 403 is a real denial.
      if (!(err instanceof GuacamoleApiError) || (err.status !== 403 && err.status !== 401)) throw err;
      if (this.token === token) this.token = undefined;
      return this.raw<T>(req, this.token ?? (await this.login()));
    }
  }

  private login(): Promise<string> {
    this.loggingIn ??= (async () => {
      try {
        const { username, password } = await this.o.credentials();
        const res = await this.raw<{ authToken?: string }>(loginRequest(username, password)).catch(
          (err: unknown) => {
            if (err instanceof GuacamoleApiError && err.status === 403)
              throw new GuacamoleLoginRefused(
                `Guacamole refused the operator's credentials (${err.type}): check the --guacamole-credentials-secret Secret`,
              );
            throw err;
          },
        );
        if (!res.authToken)
          throw new GuacamoleApiError(200, 'BAD_RESPONSE', 'the login answer has no authToken');
        this.token = res.authToken;
        return res.authToken;
      } finally {
        this.loggingIn = undefined;
      }
    })();
    return this.loggingIn;
  }

  private async raw<T>(req: GuacamoleRequest, token?: string): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (token !== undefined) headers['Guacamole-Token'] = token;
    let body: string | undefined;
    if (req.form) {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(req.form).toString();
    } else if (req.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(req.json);
    }
    const url = new URL(req.path, this.o.baseUrl);
    let res: Response;
    try {
      res = await fetch(url, {
        method: req.method,
        headers,
        ...(body === undefined ? {} : { body }),
        signal: AbortSignal.timeout(this.o.timeoutMs),
        redirect: 'error',
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      const what =
        (err as Error).name === 'TimeoutError'
          ? `no answer within ${String(this.o.timeoutMs / 1000)} s`
          : (cause ?? (err as Error).message);
      throw new GuacamoleUnreachable(`${req.method} ${url.pathname}: ${what}`);
    }
    const text = await res.text().catch(() => '');
    if (res.ok) return (text ? JSON.parse(text) : undefined) as T;
    if (UNAVAILABLE_STATUSES.has(res.status))
      throw new GuacamoleUnreachable(`${req.method} ${url.pathname}: HTTP ${String(res.status)}`);
    let parsed: GuacamoleErrorBody = {};
    try {
      parsed = JSON.parse(text) as GuacamoleErrorBody;
    } catch {
      // Not Guacamole's JSON (e.g. Jetty's 415 page): keep the status only.
    }
    const message = parsed.message ?? `HTTP ${String(res.status)}`;
    throw new GuacamoleApiError(
      res.status,
      parsed.type ?? 'UNKNOWN',
      `${req.method} ${url.pathname}: ${String(res.status)} ${message}`,
    );
  }
}
