// The gateway's path for a session, /sessions/<namespace>/<name>/<rest>, taken apart (the ticket
// taken out of the query).
export interface SessionRoute {
  namespace: string;
  name: string;
  key: string;
  /** /sessions/<namespace>/<name>/ */
  prefix: string;
  /** After the prefix, with the query (ticket removed). */
  rest: string;
  ticket: string | undefined;
}

const SESSION_PATH =
  /^\/sessions\/([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)\/([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?)(\/.*)?$/;

/** The route of a URL; 'redirect' for /sessions/<ns>/<name> without its trailing slash. */
export function sessionRoute(url: URL): SessionRoute | 'redirect' | undefined {
  const match = SESSION_PATH.exec(url.pathname);
  if (!match) return undefined;
  const [, namespace = '', , name = '', , tail] = match;
  if (tail === undefined) return 'redirect';
  const ticket = url.searchParams.get('ticket') ?? undefined;
  url.searchParams.delete('ticket');
  const prefix = `/sessions/${namespace}/${name}/`;
  return { namespace, name, key: `${namespace}/${name}`, prefix, rest: tail.slice(1) + url.search, ticket };
}
