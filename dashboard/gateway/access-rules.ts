// Who may connect to a session, and whether it can be connected to now: the one rule the gateway
// applies when it issues a ticket, when it redeems one and on every request a cookie carries.
import type { AnalysisSession } from '../../crds/index.ts';

/** Why a connection is refused, in words the user sees. */
export type Refusal = string;

/** The owner, and the users in spec.sharedWith. */
export function mayConnect(session: AnalysisSession, user: string): boolean {
  return session.spec.owner === user || (session.spec.sharedWith ?? []).includes(user);
}

/**
 * undefined when `user` may connect to `session` now; otherwise why not. `uid`, when given, is the
 * session the user was let into: a session deleted and created again under the same name is another.
 */
export function connectionRefusal(
  session: AnalysisSession | undefined,
  user: string,
  uid?: string,
): Refusal | undefined {
  if (!session) return 'the session does not exist (any more)';
  if (uid !== undefined && session.metadata.uid !== uid) {
    return 'the session was deleted and created again: ask for a new link';
  }
  if (!mayConnect(session, user)) return `the session is not shared with ${user}`;
  const phase = session.status?.phase;
  if (session.spec.state === 'Stopped' || phase === 'Stopping' || phase === 'Stopped') {
    return 'the session is stopped: start it again to connect';
  }
  if (phase === 'Expired') return 'the session has expired: extend its lifetime to connect';
  if (phase !== 'Running' || !session.status?.endpoint?.host || !session.status.endpoint.port) {
    return `the session is not running yet (${phase ?? 'Pending'})`;
  }
  return undefined;
}
