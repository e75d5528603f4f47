// Extend: the new lifetime is the current one (the session's, or the image's default) plus the
// image's default lifetime, capped at the image's maximum. The operator moves expiresAt.
import type { AnalysisSession, SessionImage } from '../../crds/index.ts';
import { formatDuration, parseDuration } from '../../runtime/duration.ts';

export type Extension = { ok: true; lifetime: string } | { ok: false; reason: string };

export function extendedLifetime(session: AnalysisSession, image: SessionImage | undefined): Extension {
  if (!image) return { ok: false, reason: `the image ${session.spec.image} is no longer in the catalogue` };
  const life = image.spec.lifecycle;
  const current = parseDuration(session.spec.lifetime ?? life.defaultLifetime);
  const step = parseDuration(life.defaultLifetime);
  const max = parseDuration(life.maxLifetime);
  if (current === undefined || step === undefined || max === undefined)
    return { ok: false, reason: 'the lifetimes of the session or its image cannot be read' };
  if (current >= max)
    return {
      ok: false,
      reason: `the session already has the longest lifetime ${image.spec.displayName} allows (${life.maxLifetime})`,
    };
  return { ok: true, lifetime: formatDuration(Math.min(current + step, max)) };
}
