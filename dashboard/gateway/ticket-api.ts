// The ticket API for portals: POST /tickets {namespace, name, user?} with a Kubernetes bearer token.
// The caller is who TokenReview says; it gets a ticket for itself, or for the user it names if
// Kubernetes RBAC lets it impersonate that user (SubjectAccessReview). The ticket itself is issued
// by the same rule as everywhere: the session's owner or a sharedWith user, while it runs.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { text } from 'node:stream/consumers';
import type { Logger } from 'pino';
import type { Gateway } from './gateway.ts';
import { bearerToken, type Caller } from './token-review.ts';

export interface TicketApiDeps {
  gateway: Pick<Gateway, 'issue'>;
  review: (token: string) => Promise<Caller | undefined>;
  mayImpersonate: (caller: Caller, user: string) => Promise<boolean>;
  log: Logger;
}

interface TicketRequest {
  namespace?: unknown;
  name?: unknown;
  user?: unknown;
}

function answer(res: ServerResponse, status: number, body: object): void {
  res
    .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
    .end(JSON.stringify(body));
}

export async function serveTicketApi(
  req: IncomingMessage,
  res: ServerResponse,
  deps: TicketApiDeps,
): Promise<void> {
  if (req.method !== 'POST') {
    answer(res, 405, { message: 'POST a ticket request' });
    return;
  }
  const token = bearerToken(req.headers.authorization);
  const caller = token ? await deps.review(token) : undefined;
  if (!caller) {
    answer(res, 401, { message: 'a Kubernetes bearer token is needed' });
    return;
  }
  let request: TicketRequest;
  try {
    request = JSON.parse((await text(req)).slice(0, 4096)) as TicketRequest;
  } catch {
    answer(res, 400, { message: 'expected JSON: {"namespace": …, "name": …, "user": …}' });
    return;
  }
  const { namespace, name } = request;
  const user = request.user ?? caller.username;
  if (typeof namespace !== 'string' || typeof name !== 'string' || typeof user !== 'string') {
    answer(res, 400, { message: 'namespace, name and (optional) user must be strings' });
    return;
  }
  if (user !== caller.username && !(await deps.mayImpersonate(caller, user))) {
    deps.log.info(
      { caller: caller.username, user, session: `${namespace}/${name}` },
      'ticket refused: no impersonation',
    );
    answer(res, 403, { message: `${caller.username} may not act for ${user}` });
    return;
  }
  const out = deps.gateway.issue(user, namespace, name);
  if (!out.ok) {
    answer(res, 403, { message: out.refusal });
    return;
  }
  deps.log.info({ caller: caller.username, user, session: `${namespace}/${name}` }, 'ticket issued');
  answer(res, 201, out.value);
}
