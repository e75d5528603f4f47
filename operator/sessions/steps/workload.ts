// Step 4, workload: applies the planned children through the session's runtime (or removes them when
// the session must not run), and turns what the runtime observes into the Scheduled and Ready
// verdicts. A workload that fails for good is removed at once (fail fast), keeping the credentials.
import type { Logger } from 'pino';
import type { AnalysisSession, SessionImage, SessionReason } from '../../../crds/index.ts';
import type { Cache } from '../../../runtime/informer.ts';
import { Secrets, type KubeObject, type ResourceType } from '../../../runtime/resources.ts';
import { ChildRefused, REFUSAL_RETRY_MS, type Children } from '../children.ts';
import type { ConditionVerdict } from '../conditions.ts';
import { childName } from '../names.ts';
import type { SessionEvent } from '../status.ts';
import { capacityNote } from '../workloads/capacity.ts';
import type { WorkloadRuntimes } from '../workloads/registry.ts';
import type { WorkloadDiagnosis, WorkloadRuntime } from '../workloads/types.ts';
import type { WorkloadIntent } from './intent.ts';

export interface WorkloadStepInput {
  session: AnalysisSession;
  image: SessionImage | undefined;
  /** The image's runtime; unknown (image gone, runtime not run here): every runtime cleans up. */
  runtime: WorkloadRuntime | undefined;
  /** Whether the workload should exist (decided once, by workloadIntent), with its plan. */
  intent: WorkloadIntent;
  dataAttached: boolean;
  now: Date;
  log: Logger;
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
    const namespace = session.metadata.namespace ?? '';
    const name = childName(session.metadata.name);
    const observed = (type: ResourceType) => this.children.get(type, namespace, name);
    const settings = { imagePullGraceMs: this.imagePullGraceMs };
    const candidates = input.runtime ? [input.runtime] : [...this.runtimes.values()];
    const present = candidates.some((r) => r.diagnose(observed, now, settings).state !== 'Absent');
    const events: SessionEvent[] = [];

    if (!intent.run || !input.runtime) {
      for (const r of candidates) await this.remove(r, observed, intent.run || intent.keepCredentials);
      const diagnosis: WorkloadDiagnosis = present
        ? { state: 'Pending', reason: 'Stopping', message: 'stopping' }
        : { state: 'Absent' };
      return { diagnosis, present, verdicts: [], events };
    }

    const runtime = input.runtime;
    let note: string | undefined;
    for (const { type, object } of intent.plan.children) {
      const kind = runtime.children.find((k) => k.type === type);
      if (kind?.needsData && !input.dataAttached) continue;
      let outcome;
      try {
        outcome = await this.children.apply(session, type, object, {
          immutable: kind?.immutable ?? false,
          owned: !kind?.shared,
          log,
        });
      } catch (err) {
        if (!(err instanceof ChildRefused)) throw err;
        // What exists keeps running; the session says what was refused and why, and tries again.
        const diagnosis = runtime.diagnose(observed, now, settings);
        const refused: ConditionVerdict = {
          type: 'Scheduled',
          status: 'False',
          reason: 'WorkloadRefused',
          message: err.sentence,
        };
        return {
          diagnosis,
          present,
          verdicts: [refused],
          events,
          retryAt: new Date(now.getTime() + REFUSAL_RETRY_MS),
        };
      }
      if (outcome === 'replacing')
        note = 'The session was restarted to apply a change to its resources, image or data.';
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
    // Fail fast: waiting will not help. Keep the credentials for a retry after the spec changes.
    events.push({ type: 'Warning', reason: diagnosis.reason, note: diagnosis.message });
    await this.remove(runtime, observed, true);
    return {
      diagnosis,
      present,
      verdicts: workloadVerdicts(diagnosis),
      failed: { reason: diagnosis.reason, message: diagnosis.message },
      events,
    };
  }

  private async remove(
    runtime: WorkloadRuntime,
    observed: (type: ResourceType) => KubeObject | undefined,
    keepCredentials: boolean,
  ): Promise<void> {
    for (const { type, object } of runtime.cleanup(observed)) await this.children.delete(type, object);
    const secret = observed(Secrets);
    if (!keepCredentials && secret) await this.children.delete(Secrets, secret);
  }
}
