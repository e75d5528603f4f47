// One reconcile pass as data: what it read about a session (SessionInputs) and what each step found
// (PassOutcomes), and the pure functions that turn those into verdicts, events, the status facts,
// the status to write and the next deadline. The reconciler only runs the steps and writes.
import type { Logger } from 'pino';
import type { AnalysisSession, AnalysisSessionStatus, SessionImage } from '../../crds/index.ts';
import type { KubeObject } from '../../runtime/resources.ts';
import { rfc3339 } from '../../runtime/time.ts';
import type { AccessOutcome } from './access/types.ts';
import type { ConditionVerdict } from './conditions.ts';
import type { SessionEvent, StatusFacts, StatusOutcome } from './status.ts';
import type { ImageSource } from './image-settings.ts';
import type { ActivityOutcome } from './steps/activity.ts';
import type { Admission } from './steps/admit.ts';
import { nextDeadline, type Clock, type ClockOutcome } from './steps/clock.ts';
import type { DataOutcome } from './steps/data.ts';
import type { WorkloadIntent } from './steps/intent.ts';
import type { WorkloadOutcome } from './steps/workload.ts';
import type { QuotaOutcome } from '../quotas/gate.ts';
import type { EffectiveResources, ProposalNamespace } from './types.ts';
import type { WorkloadRuntime } from './workloads/types.ts';

/** What a pass read about one session from the caches, once. */
export interface SessionInputs {
  key: string;
  session: AnalysisSession;
  previous: AnalysisSessionStatus;
  now: Date;
  log: Logger;
  /** The image settings the pass works with: the running workload's, else the catalogue's. */
  image: SessionImage | undefined;
  imageSource: ImageSource;
  /** The catalogue's current entry (what a new start or a restart uses). */
  catalogueImage: SessionImage | undefined;
  /** The session's immutable workload object (its pod) and the runtime that made it, when it exists. */
  workload: { object: KubeObject; runtime: WorkloadRuntime } | undefined;
  namespace: ProposalNamespace | undefined;
  /** The image's runtime, when the operator runs it. */
  runtime: WorkloadRuntime | undefined;
  /** The session's credentials Secret, when it exists. */
  secret: KubeObject | undefined;
  secretName: string;
  machineName: string;
  /** The session clock from the last recorded start (undefined until the image is known). */
  clock: Clock | undefined;
}

/** What each step found. */
export interface PassOutcomes {
  admission: Admission;
  intent: WorkloadIntent;
  data: DataOutcome | undefined;
  workload: WorkloadOutcome;
  access: AccessOutcome | undefined;
  activity: ActivityOutcome;
  expiry: ClockOutcome | undefined;
  /** The first start (kept once set). */
  startedAt: string | undefined;
  /** A refused change left the running workload as it was (steps/hold.ts). */
  held?: boolean;
  /** Quota admission (operator/quotas/), when quotas are enforced. */
  quota?: QuotaOutcome;
}

const ACCEPTED_BEFORE: ConditionVerdict = {
  type: 'Accepted',
  status: 'True',
  reason: 'Accepted',
  message: 'the running session was accepted; its latest change was refused (see the message)',
};

/** The QuotaAdmitted verdict of an operator that does not enforce Quotas (--quotas=false). */
const QUOTAS_OFF: ConditionVerdict = {
  type: 'QuotaAdmitted',
  status: 'True',
  reason: 'QuotaAdmitted',
  message: 'Quotas are not enforced by this operator',
};

const RESTARTED = 'The session was restarted to apply a change to its resources, image or data.';

/** The verdicts in step order: admission, the builders' refusal or the data, workload, access. */
export function passVerdicts(o: PassOutcomes): ConditionVerdict[] {
  const verdicts = [o.held ? ACCEPTED_BEFORE : o.admission.verdict];
  verdicts.push(o.quota?.verdict ?? QUOTAS_OFF);
  if (!o.intent.run && o.intent.refusal && !o.held) {
    const { reason, field, message } = o.intent.refusal;
    verdicts.push({ type: 'DataReady', status: 'False', reason, message: `${field}: ${message}` });
  }
  if (o.data) verdicts.push(o.data.verdict);
  verdicts.push(...o.workload.verdicts);
  if (o.access?.verdict) verdicts.push(o.access.verdict);
  return verdicts;
}

/** The Events a user cares about from this pass (the phase change comes from sessionStatus). */
export function passEvents(p: SessionInputs, o: PassOutcomes): SessionEvent[] {
  const events = [...(o.quota?.events ?? []), ...o.workload.events, ...(o.access?.events ?? [])];
  if (o.data?.replaced && !events.some((e) => e.reason === 'Recreated')) {
    events.push({ type: 'Normal', reason: 'Recreated', note: RESTARTED });
  }
  if (o.expiry?.warning) events.push({ type: 'Warning', reason: 'ExpiringSoon', note: o.expiry.warning });
  return events;
}

/** When the workload first became ready (kept once set). */
export function firstStart(p: SessionInputs, workload: WorkloadOutcome): string | undefined {
  const d = workload.diagnosis;
  return p.previous.startedAt ?? (d.state === 'Running' && d.ready ? rfc3339(p.now) : undefined);
}

/** What the status message adds about the image settings a running session keeps. */
export function imageNotices(p: SessionInputs, o: PassOutcomes): string[] {
  if ((!o.intent.run && !o.held) || p.imageSource === 'catalogue') return [];
  const name = p.session.spec.image;
  return p.imageSource === 'gone'
    ? [
        `The image "${name}" was removed from the catalogue: the session keeps running with the settings it started with, and cannot start again once it stops.`,
      ]
    : [
        `The image "${name}" changed in the catalogue: the session keeps the settings it started with until it is stopped or restarted.`,
      ];
}

export function statusFacts(p: SessionInputs, o: PassOutcomes): StatusFacts {
  const stop = o.intent.run || o.held ? undefined : o.intent.why;
  return {
    notices: [...imageNotices(p, o), ...(o.workload.notices ?? [])],
    session: p.session,
    previous: p.previous,
    now: p.now,
    verdicts: passVerdicts(o),
    machineName: p.machineName,
    clock: p.clock,
    refused: !o.held && (o.admission.terminal || stop === 'refused'),
    sticky: stop === 'failed',
    workloadFailed: o.workload.failed,
    workloadPresent: o.workload.present,
    expiresAt: o.expiry ? o.expiry.expiresAt : p.previous.expiresAt,
    expiryWarningAt: o.expiry ? o.expiry.expiryWarningAt : p.previous.expiryWarningAt,
  };
}

function granted(r: EffectiveResources): AnalysisSessionStatus['resources'] {
  return { cpu: r.cpu, memory: r.memory, ...(r.disk ? { disk: r.disk } : {}), gpus: r.gpus };
}

/** The status to write: what the pass observed, on top of what the session had. */
export function nextStatus(p: SessionInputs, o: PassOutcomes, s: StatusOutcome): AnalysisSessionStatus {
  const d = o.workload.diagnosis;
  const resources = o.admission.resources;
  return {
    ...p.previous,
    observedGeneration: p.session.metadata.generation,
    machineName: p.machineName,
    ...(d.state === 'Running' ? { nodeName: d.nodeName } : {}),
    ...(o.startedAt ? { startedAt: o.startedAt } : {}),
    endpoint: o.access?.endpoint,
    ...o.access?.status,
    // A refused replacement leaves the old workload, and the resources it was granted, in place.
    resources: resources && !o.workload.replacementRefused ? granted(resources) : p.previous.resources,
    ...(o.expiry ? { expiresAt: o.expiry.expiresAt, expiryWarningAt: o.expiry.expiryWarningAt } : {}),
    ...(o.activity.lastActivityAt ? { lastActivityAt: rfc3339(o.activity.lastActivityAt) } : {}),
    ...(s.stoppedAt ? { stoppedAt: s.stoppedAt } : {}),
    phase: s.phase,
    reason: s.reason,
    message: s.message,
    conditions: s.conditions,
  };
}

/** The delay until the earliest deadline any step named (undefined: nothing is due). */
export function nextRequeue(p: SessionInputs, o: PassOutcomes, deleteAt?: Date): number | undefined {
  const d = o.workload.diagnosis;
  return nextDeadline(
    p.now,
    ...(o.expiry?.deadlines ?? []),
    o.activity.nextProbeAt,
    deleteAt,
    d.state === 'Pending' ? d.recheckAt : undefined,
    o.data?.retryAt,
    o.workload.retryAt,
    o.access?.retryAt,
  );
}
