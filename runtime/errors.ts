// API errors and how a controller reacts to them. Kubernetes answers failures with a Status object;
// its `reason` (Conflict, NotFound, Invalid, Expired...) decides between retry now, retry later,
// give up quietly, and give up with a reason the user can read in status.

export interface StatusBody {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { causes?: { field?: string; message?: string; reason?: string }[] };
}

export class ApiError extends Error {
  readonly statusCode: number;
  readonly reason: string;
  readonly status: StatusBody | undefined;
  readonly method: string;
  readonly path: string;
  /** The API server's Retry-After (429 from priority and fairness, some 503s), in ms; 0 when absent. */
  readonly retryAfterMs: number;

  constructor(
    method: string,
    path: string,
    statusCode: number,
    status: StatusBody | undefined,
    text = '',
    retryAfter?: string,
  ) {
    const reason = status?.reason ?? (statusCode ? `HTTP${statusCode}` : 'Unknown');
    super(`${method} ${path}: ${statusCode} ${reason}: ${status?.message ?? text.slice(0, 300)}`);
    this.name = 'ApiError';
    this.statusCode = statusCode;
    this.reason = reason;
    this.status = status;
    this.method = method;
    this.path = path;
    this.retryAfterMs = retryAfterMs(retryAfter);
  }
}

/** A Retry-After header in delay-seconds (the form the API server sends), capped at a minute; 0 when absent. */
export function retryAfterMs(header: string | undefined): number {
  const seconds = Number(header);
  return header !== undefined && Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, 60) * 1000 : 0;
}

/** A failure that no retry can fix (controller-runtime's TerminalError): report it, do not requeue. */
export class TerminalError extends Error {
  readonly reason: string;

  constructor(reason: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TerminalError';
    this.reason = reason;
  }
}

export type ErrorAction =
  /** The cache was stale (409): retry at once; the queue's per-item back-off still bounds repeats. */
  | 'requeue-now'
  /** The object is gone (404): nothing left to do. */
  | 'done'
  /** The request can never succeed as is (400, 422, TerminalError): surface `reason`, no retry. */
  | 'no-retry'
  /** Anything else (5xx, 429, network): retry with back-off. */
  | 'backoff';

export interface Classified {
  action: ErrorAction;
  reason: string;
  message: string;
}

export function statusCodeOf(err: unknown): number | undefined {
  return err instanceof ApiError ? err.statusCode : undefined;
}

export const isNotFound = (err: unknown): boolean => statusCodeOf(err) === 404;
export const isConflict = (err: unknown): boolean => statusCodeOf(err) === 409;
export const isGone = (err: unknown): boolean => statusCodeOf(err) === 410;

export function classifyError(err: unknown): Classified {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof TerminalError) return { action: 'no-retry', reason: err.reason, message };
  if (err instanceof ApiError) {
    const apiMessage = err.status?.message ?? message;
    // 409 AlreadyExists is a stale-cache symptom too: the next reconcile sees the object.
    if (err.statusCode === 409) return { action: 'requeue-now', reason: err.reason, message: apiMessage };
    if (err.statusCode === 404) return { action: 'done', reason: err.reason, message: apiMessage };
    if (err.statusCode === 400 || err.statusCode === 422) {
      return { action: 'no-retry', reason: err.reason, message: apiMessage };
    }
    return { action: 'backoff', reason: err.reason, message: apiMessage };
  }
  return { action: 'backoff', reason: 'InternalError', message };
}
