// The one path from what a pass found to the session's phase, reason, message and conditions. Pure:
// the steps report verdicts and facts, this decides what the user reads. Precedence, first match
// wins: expired, refused (cannot run as asked), a failure kept from before, stopped, and otherwise
// the first ordered condition that is not True.
import {
  IDLE_STOP_ANNOTATION,
  isSessionReason,
  type AnalysisSession,
  type AnalysisSessionStatus,
  type EventReason,
  type SessionPhase,
  type SessionReason,
} from '../../crds/index.ts';
import { setCondition, type Condition } from '../../runtime/conditions.ts';
import { readableUtc, rfc3339 } from '../../runtime/time.ts';
import { firstBlocking, orderedConditions, runningPhase, type ConditionVerdict } from './conditions.ts';
import { formatDuration } from '../../runtime/duration.ts';

export interface SessionEvent {
  type: 'Normal' | 'Warning';
  reason: EventReason;
  note: string;
}

export interface StatusFacts {
  session: AnalysisSession;
  previous: AnalysisSessionStatus;
  now: Date;
  /** In the order the steps gave them (admission first). */
  verdicts: ConditionVerdict[];
  /** The session cannot run as asked (admission or the builders refused it). */
  refused: boolean;
  /** A workload failure of this generation, kept until the spec changes (see stickyFailure). */
  sticky: boolean;
  /** The workload failed just now (fail fast). */
  workloadFailed?: { reason: SessionReason; message: string };
  /** Something of the workload still exists (so a stopped session is Stopping, not yet Stopped). */
  workloadPresent: boolean;
  /** The session clock, once the image is known. */
  clock?: {
    expired: boolean;
    lifetimeMs: number;
    capped: boolean;
    cappedBy?: string;
    idleTimeoutMs?: number;
  };
  machineName: string;
  /** Sentences added to the message of a session that runs or starts (kept image settings, a refused change). */
  notices?: string[];
  expiresAt?: string;
  expiryWarningAt?: string;
}

export interface StatusOutcome {
  phase: SessionPhase;
  reason: SessionReason;
  message: string;
  conditions: Condition[];
  /** Set when the session has just come to rest as Stopped. */
  stoppedAt?: string;
  /** The phase change, for an Event. */
  events: SessionEvent[];
}

/**
 * A workload failure (recorded as Ready=False with the failure's reason) stays until the user
 * changes the spec: a new generation tries again. Failures of Accepted or DataReady are not sticky:
 * they are worked out again on every pass, so fixing the image or namespace heals them.
 */
export function stickyFailure(previous: AnalysisSessionStatus, generation: number | undefined): boolean {
  const ready = (previous.conditions ?? []).find((c) => c.type === 'Ready');
  return (
    previous.phase === 'Failed' &&
    previous.observedGeneration === generation &&
    ready?.status === 'False' &&
    ready.reason === previous.reason
  );
}

/** A reason read back from the API server (written by this or an older operator version). */
function reasonOf(stored: string | undefined): SessionReason {
  return stored !== undefined && isSessionReason(stored) ? stored : 'Failed';
}

/** The conditions that led to a sticky failure, kept as they were. */
function keptVerdicts(previous: AnalysisSessionStatus): ConditionVerdict[] {
  const kept: ConditionVerdict[] = [];
  for (const type of ['DataReady', 'Scheduled', 'Ready'] as const) {
    const c = (previous.conditions ?? []).find((x) => x.type === type);
    if (c) kept.push({ type, status: c.status, reason: reasonOf(c.reason), message: c.message });
  }
  return kept;
}

type Headline = Pick<StatusOutcome, 'phase' | 'reason' | 'message'>;

function headline(f: StatusFacts, verdicts: ConditionVerdict[], conditions: Condition[]): Headline {
  const { session, previous, clock } = f;
  if (clock?.expired) {
    return {
      phase: 'Expired',
      reason: 'LifetimeExpired',
      message: `The session reached its lifetime of ${formatDuration(clock.lifetimeMs)} and was stopped. Raise spec.lifetime (up to the image maximum) to bring it back.`,
    };
  }
  if (f.refused) {
    const blocking = verdicts.find((v) => v.status !== 'True');
    return {
      phase: 'Failed',
      reason: blocking?.reason ?? 'Failed',
      message: blocking?.message ?? 'The session cannot run.',
    };
  }
  if (f.sticky) {
    return {
      phase: 'Failed',
      reason: reasonOf(previous.reason),
      message: previous.message ?? 'The session failed.',
    };
  }
  if (f.workloadFailed) {
    return {
      phase: 'Failed',
      reason: f.workloadFailed.reason,
      message: `${f.workloadFailed.message} Change the session (or set state to Stopped and back to Running) to try again.`,
    };
  }
  if (session.spec.state === 'Stopped') {
    const idle = session.metadata.annotations?.[IDLE_STOP_ANNOTATION] === String(session.metadata.generation);
    return {
      phase: f.workloadPresent ? 'Stopping' : 'Stopped',
      reason: idle ? 'IdleTimeout' : 'StoppedByUser',
      message: idle
        ? `Stopped after ${formatDuration(clock?.idleTimeoutMs ?? 0)} without activity. Set state to Running to resume; your files are kept.`
        : 'Stopped. Set state to Running to resume; your files are kept.',
    };
  }
  const blocking = firstBlocking(conditions);
  let message =
    blocking?.message ??
    `Running as ${f.machineName}${f.expiresAt ? ` until ${readableUtc(f.expiresAt)}` : ''}.`;
  if (clock?.capped) {
    message += ` The requested lifetime is longer than ${clock.cappedBy ?? 'this image'} allows: capped at ${formatDuration(clock.lifetimeMs)}.`;
  }
  for (const notice of f.notices ?? []) message += ` ${notice}`;
  return {
    phase: runningPhase(conditions),
    reason: blocking ? reasonOf(blocking.reason) : 'Running',
    message,
  };
}

/** The expiry warning as a condition of its own (not ordered: it never blocks anything). */
function expiringSoon(f: StatusFacts): Parameters<typeof setCondition>[1] {
  const expired = f.clock?.expired ?? false;
  if (f.expiryWarningAt && !expired) {
    return {
      type: 'ExpiringSoon',
      status: 'True',
      reason: 'ExpiringSoon',
      message: `expires at ${f.expiresAt ? readableUtc(f.expiresAt) : ''}`,
    };
  }
  return {
    type: 'ExpiringSoon',
    status: 'False',
    reason: expired ? 'Expired' : 'NotYet',
    message: expired ? 'the session has expired' : 'not close to expiry',
  };
}

/**
 * The phases a user cares to hear about as Events. The steps on the way (Pending, Provisioning,
 * Stopping) show in status and conditions; an Event each would cost a write per session for nothing.
 */
const EVENT_PHASES: ReadonlySet<SessionPhase> = new Set([
  'Queued',
  'Running',
  'Stopped',
  'Expired',
  'Failed',
]);

export function sessionStatus(f: StatusFacts): StatusOutcome {
  const generation = f.session.metadata.generation;
  const verdicts = f.sticky
    ? [...f.verdicts.slice(0, 1), ...keptVerdicts(f.previous), ...f.verdicts.slice(1)]
    : f.verdicts;
  const ordered = orderedConditions(f.previous.conditions, verdicts, generation, f.now);
  const { phase, reason, message } = headline(f, verdicts, ordered);
  const conditions = setCondition(ordered, expiringSoon(f), generation, f.now);
  const events: SessionEvent[] = [];
  if (phase !== f.previous.phase && EVENT_PHASES.has(phase)) {
    events.push({
      type: phase === 'Failed' || phase === 'Expired' ? 'Warning' : 'Normal',
      reason: `Phase${phase}`,
      note: message,
    });
  }
  const stoppedAt = phase === 'Stopped' && f.previous.phase !== 'Stopped' ? rfc3339(f.now) : undefined;
  return { phase, reason, message, conditions, ...(stoppedAt ? { stoppedAt } : {}), events };
}
