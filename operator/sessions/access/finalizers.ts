// The finalizers of access providers that register sessions outside the cluster (Guacamole): added
// before anything is registered, removed once a release succeeded, and, for a deleted session,
// removed anyway after the provider's bounded wait (with a Warning Event naming what was left), so a
// finalizer never blocks a deletion forever. Patches carry the resourceVersion: a concurrent change
// answers 409 and the next pass decides again.
import type { Logger } from 'pino';
import { GUACAMOLE_FINALIZER, type AnalysisSession } from '../../../crds/index.ts';
import { mergePatch } from '../../../runtime/apply.ts';
import type { ReconcileResult } from '../../../runtime/controller.ts';
import { isConflict, isNotFound } from '../../../runtime/errors.ts';
import type { EventRecorder } from '../../../runtime/events.ts';
import type { RestClient } from '../../../runtime/rest.ts';
import { AnalysisSessions } from '../../api.ts';
import { finalizersOf, hasFinalizer } from '../steps/access.ts';
import type { AccessProvider } from './types.ts';

/** The finalizers access providers put on sessions. */
const ACCESS_FINALIZERS = [GUACAMOLE_FINALIZER];

async function setFinalizers(
  client: RestClient,
  session: AnalysisSession,
  finalizers: string[],
): Promise<boolean> {
  const { namespace, name, resourceVersion } = session.metadata;
  try {
    await mergePatch(client, AnalysisSessions, namespace, name, {
      metadata: { finalizers, resourceVersion },
    });
    return true;
  } catch (err) {
    if (isConflict(err) || isNotFound(err)) return false;
    throw err;
  }
}

export function addFinalizer(
  client: RestClient,
  session: AnalysisSession,
  finalizer: string,
): Promise<boolean> {
  return setFinalizers(client, session, [...finalizersOf(session), finalizer]);
}

export function removeFinalizer(
  client: RestClient,
  session: AnalysisSession,
  finalizer: string,
): Promise<boolean> {
  return setFinalizers(
    client,
    session,
    finalizersOf(session).filter((f) => f !== finalizer),
  );
}

/**
 * A deleted session: each provider whose finalizer it carries releases what it holds; the finalizer
 * goes once that worked, or once the provider's release timeout since the deletion has passed.
 */
export async function finalizeDeleted(f: {
  client: RestClient;
  recorder: EventRecorder;
  providers: readonly AccessProvider[];
  session: AnalysisSession;
  now: Date;
  log: Logger;
}): Promise<ReconcileResult | undefined> {
  const { session } = f;
  const deletedAt = Date.parse(String(session.metadata.deletionTimestamp));
  // A provider's finalizer left from a time the operator was configured with it (e.g. it runs without
  // --guacamole-url now): nothing can release it, so it must not hold the session.
  const served = new Set(f.providers.map((p) => p.finalizer));
  const orphan = ACCESS_FINALIZERS.find((x) => hasFinalizer(session, x) && !served.has(x));
  if (orphan) {
    const note = `The session held a Guacamole connection, and the operator now runs without --guacamole-url: the connection ${session.status?.guacamole?.connectionId ?? '(not recorded)'} is left in Guacamole for an admin to delete.`;
    void f.recorder.record(session, 'Warning', 'GuacamoleConnectionLeft', 'Finalize', note);
    return (await removeFinalizer(f.client, session, orphan)) ? undefined : { requeueAfterMs: 1000 };
  }
  let retryAt: number | undefined;
  for (const p of f.providers) {
    if (!p.finalizer || !hasFinalizer(session, p.finalizer)) continue;
    const released = await p.release(session);
    const giveUpAt = deletedAt + (p.releaseTimeoutMs ?? 0);
    if (released && !released.released && f.now.getTime() < giveUpAt) {
      const next = Math.min(released.retryAt?.getTime() ?? giveUpAt, giveUpAt);
      retryAt = Math.min(retryAt ?? next, next);
      continue;
    }
    if (released && !released.released) {
      const note = `The session was deleted while Apache Guacamole could not be reached; after waiting ${String(Math.round((p.releaseTimeoutMs ?? 0) / 1000))} s the operator let it go and left ${released.message ?? 'its connection'} in Guacamole for an admin to delete.`;
      f.log.warn({ session: `${session.metadata.namespace ?? ''}/${session.metadata.name}` }, note);
      void f.recorder.record(session, 'Warning', 'GuacamoleConnectionLeft', 'Finalize', note);
    }
    if (!(await removeFinalizer(f.client, session, p.finalizer))) return { requeueAfterMs: 1000 };
    // One finalizer per pass: the patch changed the resourceVersion the next one would carry.
    return undefined;
  }
  return retryAt === undefined ? undefined : { requeueAfterMs: Math.max(0, retryAt - f.now.getTime()) + 50 };
}
