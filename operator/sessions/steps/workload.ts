// Step 4, workload: applies the planned children through the session's runtime (or removes them when
// the session must not run), and turns what the runtime observes into the Scheduled and Ready
// verdicts. A workload that fails for good is removed at once (fail fast), keeping the credentials.
import type { Logger } from 'pino';
import type { AnalysisSession, SessionImage, SessionReason } from '../../../crds/index.ts';
import type { Cache } from '../../../runtime/informer.ts';
import { Secrets, type KubeObject, type ResourceType } from '../../../runtime/resources.ts';
import { ChildRefused, REFUSAL_RETRY_MS, type ApplyOutcome, type Children } from '../children.ts';
import type { ConditionVerdict } from '../conditions.ts';
import { childName } from '../names.ts';
import type { SessionEvent } from '../status.ts';
import { capacityNote } from '../workloads/capacity.ts';
import type { WorkloadRuntimes } from '../workloads/registry.ts';
import type { ObservedChild, WorkloadDiagnosis, WorkloadRuntime } from '../workloads/types.ts';
import { heldNotice, type Held } from './hold.ts';
import type { WorkloadIntent } from './intent.ts';

export interface WorkloadStepInput {
  session: AnalysisSession;
  image: SessionImage | undefined;
  /** The image's runtime; unknown (image gone, runtime not run here): every runtime cleans up. */
  runtime: WorkloadRuntime | undefined;
  /** Whether the workload should exist (decided once, by workloadIntent), with its plan. */
  intent: WorkloadIntent;
  dataAttached: boolean;
  /** The running workload's credentials cannot be restored: restart it with the planned ones. */
  renewCredentials?: boolean;
  /**
   * What a new incarnation of an immutable child is built from when the running one kept older image
   * settings: a restart takes the catalogue's current ones (it throws RestartRefused when the
   * catalogue no longer allows the session). Absent: the planned object itself.
   */
  replacement?: (type: ResourceType) => KubeObject | undefined;
  /**
   * Leave the objects shared by the image's sessions (its NetworkPolicy) to the sessions that run on
   * the catalogue's current settings, so sessions on older settings never fight over them.
   */
  skipShared?: boolean;
  /** The status message of the last pass, so a refusal is announced by an Event only once. */
  previousMessage?: string;
  now: Date;
  log: Logger;
}

/** A restart the catalogue no longer allows (the image is gone, or the session exceeds its new limits). */
export class RestartRefused extends Error {
  readonly sentence: string;

  constructor(why: string) {
    super(why);
    this.name = 'RestartRefused';
    this.sentence = `The change needs a new pod, which the catalogue no longer allows: ${why.replace(/\.?\s*$/, '.')}`;
  }
}

export interface WorkloadOutcome {
  diagnosis: WorkloadDiagnosis;
  /** Something of the workload existed when the pass began. */
  present: boolean;
  verdicts: ConditionVerdict[];
  /** The API server refused one of the workload's objects: try again then. */
  retryAt?: Date;
  /** The workload failed for good on this pass and was removed. */
  failed?: { reason: SessionReason; message: string };
  events: SessionEvent[];
  /** Sentences the status message adds (a refused replacement while the old pod runs on). */
  notices?: string[];
  /** A replacement was refused: what runs is still the old workload, with its old resources. */
  replacementRefused?: boolean;
}

const RESTARTED = 'The session was restarted to apply a change to its resources, image or data.';
const KEPT = 'The session keeps running as it is, and the operator tries again every few seconds.';

/** The Event and the words a child's apply outcome gives, for a session whose workload exists. */
function repairEvent(
  kind: string,
  name: string,
  outcome: ApplyOutcome,
  running: boolean,
): SessionEvent | undefined {
  if (kind === 'Secret' && running && (outcome === 'restored' || outcome === 'created')) {
    return {
      type: 'Normal',
      reason: 'CredentialsRestored',
      note: `The session's Secret ${name} was ${outcome === 'created' ? 'deleted' : 'changed'}; it was restored with the credentials the running session uses.`,
    };
  }
  if (outcome === 'restored') {
    return {
      type: 'Normal',
      reason: 'Restored',
      note: `The session's ${kind} ${name} was changed out of band and was restored.`,
    };
  }
  return undefined;
}

/** What the runtime's diagnosis says about Scheduled and Ready, for a session that should run. */
export function workloadVerdicts(d: WorkloadDiagnosis): ConditionVerdict[] {
  const placed: ConditionVerdict = {
    type: 'Scheduled',
    status: 'True',
    reason: 'Scheduled',
    message: 'placed on a node',
  };
  switch (d.state) {
    case 'Absent':
      return [{ type: 'Scheduled', status: 'False', reason: 'Creating', message: 'Creating the session.' }];
    case 'Unschedulable':
      return [{ type: 'Scheduled', status: 'False', reason: 'Unschedulable', message: d.message }];
    case 'Pending':
      return [
        d.reason === 'Scheduling'
          ? { type: 'Scheduled', status: 'False', reason: 'Scheduling', message: d.message }
          : placed,
        { type: 'Ready', status: 'False', reason: d.reason, message: d.message },
      ];
    case 'Running':
      return [
        { ...placed, message: `on node ${d.nodeName ?? ''}`.trim() },
        d.ready
          ? { type: 'Ready', status: 'True', reason: 'Ready', message: 'the environment is up' }
          : { type: 'Ready', status: 'False', reason: 'Starting', message: d.message },
      ];
    case 'Failed':
      return [placed, { type: 'Ready', status: 'False', reason: d.reason, message: d.message }];
  }
}

/** Adds what the largest suitable node offers to an Unschedulable message, before the scheduler's words. */
export function withCapacityNote(
  d: WorkloadDiagnosis,
  nodes: readonly KubeObject[],
  nodeSelector: Record<string, string> | undefined,
): WorkloadDiagnosis {
  if (d.state !== 'Unschedulable') return d;
  const note = capacityNote(nodes, d.shortResources, nodeSelector);
  if (!note) return d;
  const at = d.message.indexOf(' Scheduler:');
  const message = at < 0 ? `${d.message} ${note}` : `${d.message.slice(0, at)} ${note}${d.message.slice(at)}`;
  return { ...d, message };
}

export class WorkloadStep {
  private readonly children: Children;
  private readonly nodes: Cache<KubeObject>;
  private readonly imagePullGraceMs: number;

  private readonly runtimes: WorkloadRuntimes;

  constructor(
    children: Children,
    runtimes: WorkloadRuntimes,
    nodes: Cache<KubeObject>,
    settings: { imagePullGraceMs: number },
  ) {
    this.children = children;
    this.runtimes = runtimes;
    this.nodes = nodes;
    this.imagePullGraceMs = settings.imagePullGraceMs;
  }

  async run(input: WorkloadStepInput): Promise<WorkloadOutcome> {
    const { session, intent, now, log } = input;
    const observed = this.observer(session);
    // Until the node cache has synced, a missing node proves nothing.
    const nodeExists = this.nodes.hasSynced()
      ? (node: string) => this.nodes.get(node) !== undefined
      : undefined;
    const settings = { imagePullGraceMs: this.imagePullGraceMs, nodeExists };
    const candidates = input.runtime ? [input.runtime] : [...this.runtimes.values()];
    const present = candidates.some((r) => r.diagnose(observed, now, settings).state !== 'Absent');
    const events: SessionEvent[] = [];

    if (!intent.run || !input.runtime) {
      const keep = intent.run || intent.keepCredentials;
      for (const r of candidates) await this.remove(r, observed, keep, keep ? { session, log } : undefined);
      const diagnosis: WorkloadDiagnosis = present
        ? { state: 'Pending', reason: 'Stopping', message: 'stopping' }
        : { state: 'Absent' };
      return { diagnosis, present, verdicts: [], events };
    }

    const runtime = input.runtime;
    const running = present;
    let note: string | undefined;
    for (const { type, object } of intent.plan.children) {
      const kind = runtime.children.find((k) => k.type === type);
      if (kind?.needsData && !input.dataAttached) continue;
      if (kind?.shared && input.skipShared) continue;
      let outcome: ApplyOutcome;
      const immutable = kind?.immutable ?? false;
      try {
        outcome = await this.children.apply(session, type, object, {
          immutable,
          owned: !kind?.shared,
          replace: immutable && (input.renewCredentials ?? false),
          replacement: input.replacement && (() => input.replacement?.(type) ?? object),
          log,
        });
      } catch (err) {
        if (!(err instanceof ChildRefused) && !(err instanceof RestartRefused)) throw err;
        return this.refused(input, runtime, err, immutable && observed(type) !== undefined);
      }
      const name = object.metadata.name ?? '';
      const repaired = repairEvent(type.kind, name, outcome, running);
      if (repaired) events.push(repaired);
      if (outcome === 'replacing') {
        if (input.renewCredentials && immutable) {
          events.push({
            type: 'Warning',
            reason: 'CredentialsRenewed',
            note: 'The credentials the running session used could not be restored (its Secret was deleted or changed, and the key they came from is gone): it is restarted with new ones.',
          });
        } else note = RESTARTED;
      }
      if (outcome === 'created' && kind?.immutable && session.status?.startedAt) {
        note = 'The session pod was missing and was created again.';
      }
    }
    if (note) events.push({ type: 'Normal', reason: 'Recreated', note });

    const diagnosis = this.nodes.hasSynced()
      ? withCapacityNote(
          runtime.diagnose(observed, now, settings),
          this.nodes.list(),
          input.image?.spec.scheduling?.nodeSelector,
        )
      : runtime.diagnose(observed, now, settings);
    if (diagnosis.state !== 'Failed')
      return { diagnosis, present, verdicts: workloadVerdicts(diagnosis), events };
    if (diagnosis.disrupted) {
      // The cluster ended the workload, not the session: remove it (the Secret and the data stay)
      // and the next pass, woken by the deletion, creates it again under the same name.
      await this.remove(runtime, observed, true);
      events.push({
        type: 'Normal',
        reason: 'Restarted',
        note: `The session was restarted because ${diagnosis.disrupted}; its data and credentials are kept.`,
      });
      const restarting: WorkloadDiagnosis = {
        state: 'Pending',
        reason: 'Starting',
        message: `The session is restarting: ${diagnosis.disrupted}.`,
      };
      return { diagnosis: restarting, present, verdicts: workloadVerdicts(restarting), events };
    }
    // Fail fast: waiting will not help. Keep the credentials for a retry after the spec changes.
    events.push({ type: 'Warning', reason: diagnosis.reason, note: diagnosis.message });
    await this.remove(runtime, observed, true, { session, log });
    return {
      diagnosis,
      present,
      verdicts: workloadVerdicts(diagnosis),
      failed: { reason: diagnosis.reason, message: diagnosis.message },
      events,
    };
  }

  /** A running workload kept through a refused change (steps/hold.ts): observed, never written. */
  hold(input: Pick<WorkloadStepInput, 'session' | 'now' | 'previousMessage'>, held: Held): WorkloadOutcome {
    const { session, now } = input;
    const observed = this.observer(session);
    const diagnosis = held.runtime.diagnose(observed, now, { imagePullGraceMs: this.imagePullGraceMs });
    const notice = heldNotice(held);
    const events: SessionEvent[] = input.previousMessage?.includes(held.message)
      ? []
      : [{ type: 'Warning', reason: held.reason, note: notice }];
    return {
      diagnosis,
      present: diagnosis.state !== 'Absent',
      verdicts: workloadVerdicts(diagnosis),
      events,
      notices: [notice],
      replacementRefused: true,
    };
  }

  /**
   * The API server (or the catalogue) refused one of the workload's objects. A refused replacement
   * leaves the old pod running: the status keeps saying what runs, adds why the change waits, and an
   * Event says it once. Anything else waits as WorkloadRefused. Either way it is tried again.
   */
  private refused(
    input: WorkloadStepInput,
    runtime: WorkloadRuntime,
    err: ChildRefused | RestartRefused,
    replacing: boolean,
  ): WorkloadOutcome {
    const { session, now } = input;
    const observed = this.observer(session);
    const diagnosis = runtime.diagnose(observed, now, { imagePullGraceMs: this.imagePullGraceMs });
    const retryAt = new Date(now.getTime() + REFUSAL_RETRY_MS);
    if (replacing && diagnosis.state !== 'Absent') {
      const sentence =
        err instanceof ChildRefused
          ? err.sentence.replace(/ The operator tries again every few seconds\.$/, '')
          : err.sentence;
      const notice = `${sentence} ${KEPT}`;
      const events: SessionEvent[] = input.previousMessage?.includes(sentence)
        ? []
        : [{ type: 'Warning', reason: 'ReplacementRefused', note: notice }];
      return {
        diagnosis,
        present: true,
        verdicts: workloadVerdicts(diagnosis),
        events,
        retryAt,
        notices: [notice],
        replacementRefused: true,
      };
    }
    const verdict: ConditionVerdict = {
      type: 'Scheduled',
      status: 'False',
      reason: 'WorkloadRefused',
      message: err.sentence,
    };
    return { diagnosis, present: diagnosis.state !== 'Absent', verdicts: [verdict], events: [], retryAt };
  }

  /** The session's observed children, by kind (and name suffix). */
  private observer(session: AnalysisSession): ObservedChild {
    const namespace = session.metadata.namespace ?? '';
    const name = childName(session.metadata.name);
    return (type, suffix) => this.children.get(type, namespace, suffix ? `${name}-${suffix}` : name);
  }

  /** Removes the workload; with `halt`, what the runtime can halt in place is halted instead. */
  private async remove(
    runtime: WorkloadRuntime,
    observed: ObservedChild,
    keepCredentials: boolean,
    halt?: { session: AnalysisSession; log: Logger },
  ): Promise<void> {
    const halted = halt ? (runtime.halt?.(observed) ?? []) : [];
    for (const { type, object } of halted)
      if (halt) await this.children.apply(halt.session, type, object, { log: halt.log });
    const kept = new Set(halted.map((h) => h.type));
    for (const { type, object } of runtime.cleanup(observed))
      if (!kept.has(type)) await this.children.delete(type, object);
    const secret = observed(Secrets);
    if (!keepCredentials && secret) await this.children.delete(Secrets, secret);
  }
}
