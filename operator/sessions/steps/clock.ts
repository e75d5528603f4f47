// A session's clock: when it expires, when its owner is warned, and whether it is past either.
// The lifetime runs from the first start, through stops, so a stopped session cannot outlive it.
import type { AnalysisSession, SessionImage } from '../../../crds/index.ts';
import { formatDuration, parseDuration } from '../../../runtime/duration.ts';
import { readableUtc, rfc3339 } from '../../../runtime/time.ts';

export interface Clock {
  /** The lifetime in force: the session's request (or the image default), capped at the image maximum. */
  lifetimeMs: number;
  /** True when the request was cut to the image's maximum. */
  capped: boolean;
  /** What cut it when that is not the image, e.g. "quota default-per-user". */
  cappedBy?: string;
  startedAt: Date | undefined;
  expiresAt: Date | undefined;
  warnAt: Date | undefined;
  expired: boolean;
  warning: boolean;
  idleTimeoutMs: number | undefined;
}

const ms = (text: string | undefined): number | undefined => (text ? parseDuration(text) : undefined);

export function sessionClock(session: AnalysisSession, image: SessionImage, now: Date): Clock {
  const life = image.spec.lifecycle;
  const maxMs = ms(life.maxLifetime) ?? Number.POSITIVE_INFINITY;
  const requested = ms(session.spec.lifetime) ?? ms(life.defaultLifetime) ?? maxMs;
  const lifetimeMs = Math.min(requested, maxMs);
  const started = session.status?.startedAt ? new Date(session.status.startedAt) : undefined;
  const expiresAt = started ? new Date(started.getTime() + lifetimeMs) : undefined;
  const warnLead = ms(life.expiryWarning) ?? 0;
  const warnAt = expiresAt ? new Date(expiresAt.getTime() - Math.min(warnLead, lifetimeMs)) : undefined;
  return {
    lifetimeMs,
    capped: requested > maxMs,
    startedAt: started,
    expiresAt,
    warnAt,
    expired: expiresAt !== undefined && now >= expiresAt,
    warning: warnAt !== undefined && now >= warnAt,
    idleTimeoutMs: ms(session.spec.idleTimeout) ?? ms(life.idleTimeout),
  };
}

export interface ExpiryStatus {
  expiresAt: string | undefined;
  /** Set when the owner was warned; cleared when an extension moves the warning time away. */
  expiryWarningAt: string | undefined;
  /** The warning to send now (once per approach of the expiry). */
  warning?: string;
}

/** expiresAt, and whether to warn now, from the clock and the warning already given. */
export function expiryStatus(clock: Clock, warnedAt: string | undefined, now: Date): ExpiryStatus {
  const expiresAt = clock.expiresAt ? rfc3339(clock.expiresAt) : undefined;
  if (!clock.warning) return { expiresAt, expiryWarningAt: undefined };
  if (warnedAt || clock.expired) return { expiresAt, expiryWarningAt: warnedAt };
  const left = formatDuration((clock.expiresAt?.getTime() ?? 0) - now.getTime());
  return {
    expiresAt,
    expiryWarningAt: rfc3339(now),
    warning: `Session expires at ${expiresAt ? readableUtc(expiresAt) : ''} (in ${left}); extend its lifetime to keep it.`,
  };
}

/** The earliest of the given future instants, as a delay from `now` (undefined: nothing is due). */
export function nextDeadline(now: Date, ...instants: (Date | undefined)[]): number | undefined {
  const delays = instants
    .filter((d): d is Date => d !== undefined && d.getTime() > now.getTime())
    .map((d) => d.getTime() - now.getTime());
  return delays.length ? Math.min(...delays) : undefined;
}

export interface ClockOutcome {
  clock: Clock;
  expiresAt: string | undefined;
  expiryWarningAt: string | undefined;
  /** The expiry warning, once per approach of the expiry. */
  warning?: string;
  /** When the session must be looked at again: the warning time and the expiry. */
  deadlines: (Date | undefined)[];
}

/** Step 7, clock: expiry and its warning for a session that has started (undefined before). */
export function clockStep(
  session: AnalysisSession,
  image: SessionImage,
  startedAt: string | undefined,
  warnedAt: string | undefined,
  now: Date,
): ClockOutcome | undefined {
  if (!startedAt) return undefined;
  const clock = sessionClock({ ...session, status: { ...session.status, startedAt } }, image, now);
  const expiry = expiryStatus(clock, warnedAt, now);
  return { clock, ...expiry, deadlines: [clock.warnAt, clock.expiresAt] };
}
