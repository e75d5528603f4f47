// How often a session's status may change while it is on its way to Running. A start passes through
// short steps (attaching data, creating, scheduling, pulling the image, starting the container) that
// the pod reaches within a second in the common case; writing each one would cost a write per step
// and per session in a burst. So the first status (the session was accepted) and every change a user
// must see at once (Running, a failure, a refusal, a stop) are written at once, and the steps in
// between at most once per PROGRESS_WRITE_INTERVAL_MS: a slow step (an image pull of minutes) still
// shows within a second.
import type { SessionPhase } from '../../crds/index.ts';

export const PROGRESS_WRITE_INTERVAL_MS = 1000;

const ON_THE_WAY: ReadonlySet<SessionPhase | undefined> = new Set<SessionPhase | undefined>([
  'Pending',
  'Provisioning',
]);

/**
 * How long to wait before writing a status that moves from `previous` to `next` (0: write now).
 * `lastProgressWriteMs` is when the session's last on-the-way status was written (monotonic ms).
 */
export function progressWriteDelay(
  previous: SessionPhase | undefined,
  next: SessionPhase,
  lastProgressWriteMs: number | undefined,
  nowMs: number,
): number {
  if (!ON_THE_WAY.has(previous) || previous === undefined || !ON_THE_WAY.has(next)) return 0;
  if (lastProgressWriteMs === undefined) return 0;
  return Math.max(0, lastProgressWriteMs + PROGRESS_WRITE_INTERVAL_MS - nowMs);
}

/** Whether a status of `phase` is on the way to Running (its writes are paced). */
export function onTheWay(phase: SessionPhase): boolean {
  return ON_THE_WAY.has(phase);
}
