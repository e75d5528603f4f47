// A small REST client for the API server on node:https, authenticated through a ClusterAccess
// (kubeconfig.ts: certificates, tokens, exec plugins). We own the transport so that watches can be
// streamed and aborted exactly, every request has a timeout, content types are explicit, and every
// request is counted in rest_client_requests_total.
import * as http from 'node:http';
import * as https from 'node:https';
import { ApiError, type StatusBody } from './errors.ts';
import type { ClusterAccess } from './kubeconfig.ts';
import type { RuntimeMetrics } from './metrics.ts';
import { BucketRateLimiter } from './ratelimit.ts';
import { sleep } from './time.ts';

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** Defaults to application/json when there is a body. */
  contentType?: string;
  headers?: Record<string, string | string[]>;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface RestClientOptions {
  metrics?: RuntimeMetrics;
  timeoutMs?: number;
  /** Called before each request is sent (tests count requests with it). */
  onRequest?: (method: string, path: string) => void;
  /**
   * Client-side limit on requests per second (client-go's QPS), with `burst` sent at once; watches
   * are not counted. Unset or 0: no client-side limit (the API server's priority and fairness
   * still answers 429 when it must, and the work queue backs off).
   */
  qps?: number;
  burst?: number;
}

export class RestClient {
  readonly kubeConfig: ClusterAccess;
  private readonly metrics: RuntimeMetrics | undefined;
  private readonly timeoutMs: number;
  private readonly onRequest: ((method: string, path: string) => void) | undefined;
  private readonly limiter: BucketRateLimiter<string> | undefined;
  private agent: http.Agent | undefined;
  private streamAgent: http.Agent | undefined;
  private readonly health = new ServerHealth();
  private writeFence: ((method: string, path: string) => boolean) | undefined;

  constructor(kubeConfig: ClusterAccess, options: RestClientOptions = {}) {
    this.kubeConfig = kubeConfig;
    this.metrics = options.metrics;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.onRequest = options.onRequest;
    if (options.qps)
      this.limiter = new BucketRateLimiter(options.qps, Math.max(1, options.burst ?? options.qps));
  }

  get server(): URL {
    const server = this.kubeConfig.getCurrentCluster()?.server;
    if (!server) throw new Error('the kubeconfig has no current cluster');
    return new URL(server);
  }

  /**
   * Resolves the next time the API server answers 2xx after having failed (no answer, 5xx or 429), or
   * when `signal` aborts. Callers waiting out a back-off race it, so that one request that gets
   * through (any informer, the leader election) wakes every waiter and the operator catches up at once.
   */
  recovered(signal?: AbortSignal): Promise<void> {
    return this.health.recovered(signal);
  }

  /**
   * Refuses every request but a GET for which `allowed` answers false (with FencedWriteError, before
   * anything is sent): a leader whose Lease may have passed to another replica must not write.
   */
  setWriteFence(allowed: (method: string, path: string) => boolean): void {
    this.writeFence = allowed;
  }

  async get<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('GET', path, options);
  }

  /** Sends a request and parses the JSON answer; throws ApiError for any status other than 2xx. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    if (method !== 'GET' && this.writeFence && !this.writeFence(method, path))
      throw new FencedWriteError(method, path);
    const res = await this.open(method, path, options);
    const text = await readBody(res);
    const code = res.statusCode ?? 0;
    if (code < 200 || code >= 300) {
      throw new ApiError(method, path, code, parseStatus(text), text, header(res, 'retry-after'));
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /**
   * Opens a streaming request (a watch) and returns the response once its status is 200. The caller
   * owns the stream: destroy it, or abort `signal`, to end it.
   */
  async stream(path: string, options: RequestOptions = {}): Promise<http.IncomingMessage> {
    const res = await this.open(
      'GET',
      path,
      { ...options, timeoutMs: options.timeoutMs ?? this.timeoutMs },
      true,
    );
    const code = res.statusCode ?? 0;
    if (code !== 200) {
      const text = await readBody(res);
      throw new ApiError('GET', path, code, parseStatus(text), text, header(res, 'retry-after'));
    }
    return res;
  }

  private async open(
    method: string,
    path: string,
    options: RequestOptions,
    streaming = false,
  ): Promise<http.IncomingMessage> {
    const url = new URL(this.server.toString().replace(/\/$/, '') + path);
    for (const [k, v] of Object.entries(options.query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    const opts: https.RequestOptions = { method, headers: {} };
    await this.kubeConfig.applyToHTTPSOptions(opts);
    opts.agent = this.agentFor(url, opts, streaming);
    const headers = opts.headers as http.OutgoingHttpHeaders;
    headers.Accept = 'application/json';
    Object.assign(headers, options.headers);
    let payload: string | undefined;
    if (options.body !== undefined) {
      payload = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      headers['Content-Type'] = options.contentType ?? 'application/json';
      headers['Content-Length'] = Buffer.byteLength(payload);
    }
    if (!streaming && this.limiter) {
      const wait = this.limiter.when('');
      this.metrics?.restRateLimiterWait.observe({ verb: method, host: url.host }, wait / 1000);
      if (wait > 0) await sleep(wait, options.signal);
    }
    this.onRequest?.(method, path);
    const started = performance.now();
    const host = url.host;
    const count = (code: string) => {
      this.health.record(code);
      this.metrics?.restRequests.inc({ code, method, host });
      this.metrics?.restLatency.observe({ verb: method, host }, (performance.now() - started) / 1000);
    };
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    return new Promise((resolve, reject) => {
      const mod = url.protocol === 'http:' ? http : https;
      const req = mod.request(url, opts, (res) => {
        count(String(res.statusCode ?? '<error>'));
        // For a stream, the timeout covers only the wait for the response headers.
        if (streaming) clearTimeout(timer);
        else
          res.on('end', () => {
            clearTimeout(timer);
          });
        res.on('error', () => {
          clearTimeout(timer);
        });
        resolve(res);
      });
      const timer = setTimeout(
        () => req.destroy(new Error(`${method} ${path}: timed out after ${timeoutMs}ms`)),
        timeoutMs,
      );
      const onAbort = () => req.destroy(new Error(`${method} ${path}: aborted`));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      req.on('close', () => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
      });
      req.on('error', (err) => {
        clearTimeout(timer);
        count('<error>');
        reject(err);
      });
      if (options.signal?.aborted) onAbort();
      req.end(payload);
    });
  }

  /**
   * An agent with the kubeconfig's TLS material (client-node's own agent for proxies). Requests share
   * keep-alive connections; each watch gets a fresh connection of its own, so a watch restarted by
   * the watchdog never lands on a pooled socket that stalled with the old one.
   */
  private agentFor(url: URL, opts: https.RequestOptions, streaming: boolean): http.Agent | undefined {
    if (this.kubeConfig.getCurrentCluster()?.proxyUrl) return opts.agent as http.Agent | undefined;
    if (streaming) {
      this.streamAgent ??= this.makeAgent(url, opts, false);
      return this.streamAgent;
    }
    this.agent ??= this.makeAgent(url, opts, true);
    return this.agent;
  }

  private makeAgent(url: URL, opts: https.RequestOptions, keepAlive: boolean): http.Agent {
    const tls = {
      ca: opts.ca,
      cert: opts.cert,
      key: opts.key,
      pfx: opts.pfx,
      passphrase: opts.passphrase,
      servername: opts.servername,
      ...(opts.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: opts.rejectUnauthorized }),
    };
    const common = {
      keepAlive,
      keepAliveMsecs: 30_000,
      maxSockets: keepAlive ? 64 : Infinity,
      scheduling: 'lifo' as const,
    };
    return url.protocol === 'http:' ? new http.Agent(common) : new https.Agent({ ...common, ...tls });
  }

  /** Closes idle keep-alive sockets (tests, shutdown). */
  close(): void {
    this.agent?.destroy();
    this.streamAgent?.destroy();
    this.agent = undefined;
    this.streamAgent = undefined;
  }
}

/** A write refused on our side because this replica may no longer act as leader. */
/** Access and token reviews: POSTs that ask the API server a question and store nothing. */
export function isReview(path: string): boolean {
  return /^\/apis\/(authorization|authentication)\.k8s\.io\/v1\/[a-z]*reviews$/.test(path);
}

export class FencedWriteError extends Error {
  constructor(method: string, path: string) {
    super(`${method} ${path}: refused, this replica does not hold the lease`);
    this.name = 'FencedWriteError';
  }
}

/** Tracks whether the last answers were failures, and wakes waiters on the first success after them. */
class ServerHealth {
  private failing = false;
  private waiters: (() => void)[] = [];

  record(code: string): void {
    const status = Number(code);
    // A 429 counts too: a starting API server answers 429 before it serves; keys that a 429 asked to
    // wait (Retry-After) are left waiting by WorkQueue.retryFailedNow.
    if (!Number.isInteger(status) || status >= 500 || status === 429) {
      this.failing = true;
    } else if (status >= 200 && status < 300 && this.failing) {
      this.failing = false;
      for (const wake of this.waiters.splice(0)) wake();
    }
  }

  recovered(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) {
        resolve();
        return;
      }
      const wake = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        this.waiters = this.waiters.filter((w) => w !== wake);
        resolve();
      };
      this.waiters.push(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

function header(res: http.IncomingMessage, name: string): string | undefined {
  const value = res.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function readBody(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => {
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    res.on('error', reject);
    res.on('aborted', () => {
      reject(new Error('response aborted'));
    });
  });
}

function parseStatus(text: string): StatusBody | undefined {
  try {
    const parsed = JSON.parse(text) as StatusBody;
    return parsed.kind === 'Status' ? parsed : undefined;
  } catch {
    return undefined;
  }
}
