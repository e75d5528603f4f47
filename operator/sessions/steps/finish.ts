// Step 9, finish: what a pass does after its status is written. An idle session is stopped (through
// its spec, so the user sees why and resumes by setting Running again); an Expired session is deleted
// once its history has been kept long enough.
import type { AnalysisSession, SessionPhase } from '../../../crds/index.ts';
import { AnalysisSessions } from '../../api.ts';
import { mergePatch } from '../../../runtime/apply.ts';
import type { ReconcileResult } from '../../../runtime/controller.ts';
import { isNotFound } from '../../../runtime/errors.ts';
import type { EventRecorder } from '../../../runtime/events.ts';
import { objectPath } from '../../../runtime/resources.ts';
import type { RestClient } from '../../../runtime/rest.ts';
import { IDLE_STOP_ANNOTATION } from '../../../crds/index.ts';
import { formatDuration } from '../../../runtime/duration.ts';
import type { Clock } from './clock.ts';

export interface FinishInput {
  client: RestClient;
  recorder: EventRecorder;
  session: AnalysisSession;
  phase: SessionPhase;
  clock: Clock | undefined;
  idle: boolean;
  historyTtlMs: number;
  now: Date;
}

export type Finished =
  | { done: true; result: ReconcileResult | undefined }
  /** Not done: reconcile again by `deleteAt` (when the history of an Expired session ends) at the latest. */
  | { done: false; deleteAt?: Date };

export async function finishPass(f: FinishInput): Promise<Finished> {
  const { session, clock } = f;
  const namespace = session.metadata.namespace ?? '';
  if (f.idle) {
    await mergePatch(f.client, AnalysisSessions, namespace, session.metadata.name, {
      metadata: { annotations: { [IDLE_STOP_ANNOTATION]: String((session.metadata.generation ?? 0) + 1) } },
      spec: { state: 'Stopped' },
    });
    const note = `No activity for ${formatDuration(clock?.idleTimeoutMs ?? 0)}: stopping the session.`;
    void f.recorder.record(session, 'Normal', 'IdleStopped', 'Cull', note);
    return { done: true, result: { requeue: false } };
  }
  if (f.phase !== 'Expired' || !clock?.expiresAt) return { done: false };
  const deleteAt = new Date(clock.expiresAt.getTime() + f.historyTtlMs);
  if (f.now < deleteAt) return { done: false, deleteAt };
  await f.client
    .request('DELETE', objectPath(AnalysisSessions, namespace, session.metadata.name))
    .catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
  return { done: true, result: undefined };
}
