// Extend: the new lifetime is the current one (the session's, or the image's default) plus the
// image's default lifetime, capped at the image's maximum. The operator moves expiresAt.
import type { AnalysisSession, SessionImage } from '../../crds/index.ts';
import { parseDuration } from '../../runtime/duration.ts';

/** A duration as the API writes it: 1h30m, 90s, 72h (hours, minutes, seconds; no days). */
export function specDuration(ms: number): string {
  const total = Math.max(1, Math.round(ms / 1000));
  const [h, m, s] = [Math.floor(total / 3600), Math.floor((total % 3600) / 60), total % 60];
  return `${h ? `${String(h)}h` : ''}${m ? `${String(m)}m` : ''}${s ? `${String(s)}s` : ''}`;
}

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
  return { ok: true, lifetime: specDuration(Math.min(current + step, max)) };
}
