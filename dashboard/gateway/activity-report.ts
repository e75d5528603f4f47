// The `connections` activity signal as the gateway serves it: /activity/<namespace>/<name> answers
// open connections and the last user input, to callers the authorizer lets in (the operator).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SessionActivity } from './connections.ts';
import { refuse } from './responses.ts';
import type { Authorizer } from './token-review.ts';

/** What /activity/<namespace>/<name> answers (the `connections` activity signal). */
export interface ActivityReport {
  openConnections: number;
  /** The last user input this gateway saw, if any since it started. */
  lastInputAt: string | null;
  /** When this gateway started: it knows nothing of input before. */
  since: string;
  /**
   * The later of lastInputAt and since: what a probe should take as the last activity, so that a
   * gateway restart never makes a session look idle.
   */
  lastActivity: string;
}

const ACTIVITY_PATH = /^\/activity\/([a-z0-9][-a-z0-9]{0,62})\/([a-z0-9][-a-z0-9.]{0,252})$/;

export function activityReport(activity: SessionActivity, startedAt: number): ActivityReport {
  const { open, lastInputAt } = activity;
  return {
    openConnections: open,
    lastInputAt: lastInputAt === undefined ? null : new Date(lastInputAt).toISOString(),
    since: new Date(startedAt).toISOString(),
    lastActivity: new Date(Math.max(lastInputAt ?? 0, startedAt)).toISOString(),
  };
}

/** Answers GET /activity/<namespace>/<name>: 404 without an authorizer, 403 for anyone it refuses. */
export async function serveActivity(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  deps: { authorize: Authorizer | undefined; report: (namespace: string, name: string) => ActivityReport },
): Promise<void> {
  const match = ACTIVITY_PATH.exec(url.pathname);
  if (!match || !deps.authorize) {
    res.writeHead(404).end();
    return;
  }
  if (!(await deps.authorize(req.headers.authorization))) {
    refuse(res, 403, 'only the configured activity readers may read activity');
    return;
  }
  const report = deps.report(match[1] ?? '', match[2] ?? '');
  res
    .writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
    .end(JSON.stringify(report));
}
