// The SessionImage status as a pure function of the image and the sessions that name it.
import type { AnalysisSession, SessionImage, SessionImageStatus, SessionPhase } from '../../crds/index.ts';
import { setCondition, type ConditionUpdate } from '../../runtime/conditions.ts';

/** Phases in which a session holds no workload and gets none without a change of its spec. */
const RELEASED: ReadonlySet<SessionPhase> = new Set<SessionPhase>(['Stopped', 'Expired', 'Failed']);

/**
 * Whether a session counts in `status.sessions`: it holds a workload of the image or is about to
 * (Pending, Queued, Provisioning, Running, Stopping, or no phase yet because nothing reconciled it).
 */
export function usesImage(session: AnalysisSession): boolean {
  const phase = session.status?.phase;
  return phase === undefined || !RELEASED.has(phase);
}

export const IMAGE_READY = 'Ready';
export const IMAGE_AVAILABLE = 'Available';
export const IMAGE_DISABLED = 'Disabled';

function readiness(image: SessionImage): ConditionUpdate {
  return image.spec.disabled
    ? {
        type: IMAGE_READY,
        status: 'False',
        reason: IMAGE_DISABLED,
        message: 'spec.disabled is set: new sessions of this image are refused; started ones keep running.',
      }
    : {
        type: IMAGE_READY,
        status: 'True',
        reason: IMAGE_AVAILABLE,
        message: 'The image can start sessions.',
      };
}

/**
 * The status to write: the count of `sessions` (those naming the image) that use it, the generation
 * acted on and the Ready condition. Fields other controllers own (warm pool) are kept as they are.
 */
export function imageStatus(
  image: SessionImage,
  sessions: readonly AnalysisSession[],
  now: Date,
): SessionImageStatus {
  const previous = image.status ?? {};
  const generation = image.metadata.generation;
  return {
    ...previous,
    observedGeneration: generation,
    sessions: sessions.filter(usesImage).length,
    conditions: setCondition(previous.conditions, readiness(image), generation, now),
  };
}
