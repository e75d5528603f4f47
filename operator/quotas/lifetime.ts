// A quota's maxLifetime caps a session's lifetime like the image's maximum does: the session clock
// is worked out on the image settings with the smaller maximum, and says which quota capped it.
// Only the clock sees the capped settings; the workload is built from the image as it is.
import type { AnalysisSession, SessionImage } from '../../crds/index.ts';
import { parseDuration } from '../../runtime/duration.ts';
import { sessionClock, type Clock } from '../sessions/steps/clock.ts';

export interface LifetimeCap {
  ms: number;
  quota: string;
}

/** The image's settings with its maximum lifetime lowered to the quota's, when that is lower. */
export function clockImage(image: SessionImage, cap: LifetimeCap | undefined): SessionImage {
  if (!cap) return image;
  const max = image.spec.lifecycle.maxLifetime;
  const imageMs = max ? parseDuration(max) : undefined;
  if (imageMs !== undefined && imageMs <= cap.ms) return image;
  const lifecycle = { ...image.spec.lifecycle, maxLifetime: `${Math.floor(cap.ms / 1000)}s` };
  return { ...image, spec: { ...image.spec, lifecycle } };
}

/** The session clock with the quota's cap, naming the quota when it is the one that cut. */
export function cappedClock(
  session: AnalysisSession,
  image: SessionImage,
  cap: LifetimeCap | undefined,
  now: Date,
): Clock {
  const clock = sessionClock(session, clockImage(image, cap), now);
  const imageOnly = sessionClock(session, image, now);
  return cap && clock.capped && clock.lifetimeMs < imageOnly.lifetimeMs
    ? { ...clock, cappedBy: `quota ${cap.quota}` }
    : clock;
}
