// The AnalysisSession reconciler: reads the session and what it depends on from the caches, runs the
// steps in order (admit → plan → data → workload → access → activity → clock → status), writes
// status once and returns the next deadline. Each step lives in steps/ with its own tests; the
// workload and access seams choose the runtime and the access provider, so this file names neither.
import type { AnalysisSession, AnalysisSessionStatus, SessionImage } from '../../crds/index.ts';
import { AnalysisSessions } from '../api.ts';
import { writeStatus } from '../../runtime/apply.ts';
import type { ReconcileContext, ReconcileResult, Request } from '../../runtime/controller.ts';
import type { EventRecorder } from '../../runtime/events.ts';
import type { Cache } from '../../runtime/informer.ts';
import { Secrets, type KubeObject } from '../../runtime/resources.ts';
import type { RestClient } from '../../runtime/rest.ts';
import { rfc3339 } from '../../runtime/time.ts';
import { directAccess } from './access/direct.ts';
import type { AccessProvider } from './access/types.ts';
import { Children, type ChildCaches } from './children.ts';
import { decodeCredentials } from './credentials.ts';
import { uniqueMachineName } from './machine-name.ts';
import { childName } from './names.ts';
import { sessionStatus, stickyFailure, type SessionEvent } from './status.ts';
import { accessStep } from './steps/access.ts';
import { ActivityStep, DEFAULT_PROBES, type Probe } from './steps/activity.ts';
import { admit, proposalNamespace } from './steps/admit.ts';
import { clockStep, nextDeadline, sessionClock } from './steps/clock.ts';
import { DataStep } from './steps/data.ts';
import { finishPass } from './steps/finish.ts';
import { workloadIntent } from './steps/intent.ts';
import { planSession } from './steps/plan.ts';
import { WorkloadStep } from './steps/workload.ts';
import type { SessionControllerConfig } from './types.ts';
import { DEFAULT_RUNTIMES, type WorkloadRuntimes } from './workloads/registry.ts';

export interface SessionCaches {
  sessions: Cache<AnalysisSession>;
  images: Cache<SessionImage>;
  namespaces: Cache<KubeObject>;
  /** Read only to say how big the biggest node is when no node can run a session. */
  nodes: Cache<KubeObject>;
  /** Cluster-scoped, so not owned by the session: swept by label when the session is gone. */
  volumes: Cache<KubeObject>;
  claims: Cache<KubeObject>;
  /** Every child kind the session's runtimes create, and Secrets. */
  children: ChildCaches;
}

export interface SessionReconcilerDeps {
  client: RestClient;
  recorder: EventRecorder;
  caches: SessionCaches;
  config: SessionControllerConfig;
  runtimes?: WorkloadRuntimes;
  /** Tried in order; the direct provider (the workload's own address) serves every image. */
  access?: readonly AccessProvider[];
  probes?: Readonly<Record<string, Probe>>;
  now?: () => Date;
}

export class SessionReconciler {
  private readonly d: SessionReconcilerDeps;
  private readonly now: () => Date;
  private readonly runtimes: WorkloadRuntimes;
  private readonly access: readonly AccessProvider[];
  private readonly data: DataStep;
  private readonly workload: WorkloadStep;
  private readonly activity: ActivityStep;

  constructor(deps: SessionReconcilerDeps) {
    this.d = deps;
    this.now = deps.now ?? (() => new Date());
    this.runtimes = deps.runtimes ?? DEFAULT_RUNTIMES;
    this.access = deps.access ?? [directAccess];
    const children = new Children(deps.client, deps.caches.children);
    this.data = new DataStep(children, deps.caches);
    this.workload = new WorkloadStep(children, this.runtimes, deps.caches.nodes, deps.config);
    this.activity = new ActivityStep(deps.probes ?? DEFAULT_PROBES);
  }

  reconcile = async (req: Request, ctx: ReconcileContext): Promise<ReconcileResult | undefined> => {
    const session = this.d.caches.sessions.get(req.key);
    if (!session) {
      this.activity.forget(req.key);
      await this.data.sweepVolumes(req.namespace ?? '', req.name);
      return undefined;
    }
    if (session.metadata.deletionTimestamp) return undefined;
    const now = this.now();
    const namespace = session.metadata.namespace ?? '';
    const previous: AnalysisSessionStatus = session.status ?? {};
    const image = this.d.caches.images.get(session.spec.image);
    const ns = proposalNamespace(this.d.caches.namespaces.get(namespace), namespace);
    const runtime = image ? this.runtimes.get(image.spec.runtime) : undefined;
    const secret = this.d.caches.children(Secrets).get(`${namespace}/${childName(session.metadata.name)}`);
    const machineName = previous.machineName ?? this.machineName(session);
    const clock = image ? sessionClock(session, image, now) : undefined;
    const events: SessionEvent[] = [];

    // 1. Admit: the image, the namespace and the request make sense together.
    const admission = admit(session, image, ns, this.runtimes);
    const verdicts = [admission.verdict];
    // 2. Plan what the session needs, and decide once whether its workload should exist.
    const intent = workloadIntent(
      {
        state: session.spec.state,
        expired: clock?.expired ?? false,
        refused: admission.terminal,
        sticky: stickyFailure(previous, session.metadata.generation),
      },
      () =>
        image && ns && runtime && admission.resources
          ? planSession(
              {
                session,
                image,
                namespace: ns,
                machineName,
                resources: admission.resources,
                config: this.d.config,
              },
              runtime,
              secret,
            )
          : undefined,
    );
    if (!intent.run && intent.refusal) {
      const { reason, field, message } = intent.refusal;
      verdicts.push({ type: 'DataReady', status: 'False', reason, message: `${field}: ${message}` });
    }
    // 3. Data: the proposal's volumes attached (or released, once the session has expired).
    const data = intent.run ? await this.data.ensure(session, intent.plan.data, ctx.log) : undefined;
    if (data) verdicts.push(data.verdict);
    if (!intent.run && intent.why === 'expired') await this.data.release(namespace, session.metadata.name);
    // 4. Workload: applied through its runtime, or removed; what it is doing.
    const workload = await this.workload.run({
      session,
      image,
      runtime,
      intent,
      dataAttached: data?.attached ?? false,
      now,
      log: ctx.log,
    });
    const diagnosis = workload.diagnosis;
    verdicts.push(...workload.verdicts);
    events.push(...workload.events);
    if (data?.replaced && !events.some((e) => e.reason === 'Recreated')) {
      events.push({
        type: 'Normal',
        reason: 'Recreated',
        note: 'The session was restarted to apply a change to its resources, image or data.',
      });
    }
    const running = diagnosis.state === 'Running' ? diagnosis : undefined;
    const startedAt = previous.startedAt ?? (running?.ready ? rfc3339(now) : undefined);
    if (startedAt && !previous.startedAt)
      events.push({ type: 'Normal', reason: 'Started', note: `Session running as ${machineName}` });
    // 5. Access: where and how to connect, once the workload is ready.
    const access = await accessStep({
      providers: this.access,
      session,
      image,
      workload: diagnosis,
      credentialsSecretName: childName(session.metadata.name),
    });
    if (access) verdicts.push(access.verdict);
    // 6. Activity: last use, and whether an idle session should stop.
    const activity = image
      ? await this.activity.check({
          key: req.key,
          image,
          endpoint: access?.endpoint,
          credentials: decodeCredentials(secret),
          lastActivityAt: previous.lastActivityAt,
          idleTimeoutMs: clock?.idleTimeoutMs,
          now,
          log: ctx.log,
        })
      : { idle: false };
    // 7. Clock: expiry and its warning.
    const expiry = image ? clockStep(session, image, startedAt, previous.expiryWarningAt, now) : undefined;
    if (expiry?.warning) events.push({ type: 'Warning', reason: 'ExpiringSoon', note: expiry.warning });
    // 8. Status: one pure function from verdicts and facts to phase, reason, message and conditions.
    const outcome = sessionStatus({
      session,
      previous,
      now,
      verdicts,
      machineName,
      clock,
      refused: admission.terminal || (!intent.run && intent.why === 'refused'),
      sticky: !intent.run && intent.why === 'failed',
      workloadFailed: workload.failed,
      workloadPresent: workload.present,
      expiresAt: expiry ? expiry.expiresAt : previous.expiresAt,
      expiryWarningAt: expiry ? expiry.expiryWarningAt : previous.expiryWarningAt,
    });
    const status: AnalysisSessionStatus = {
      ...previous,
      observedGeneration: session.metadata.generation,
      machineName,
      ...(running ? { nodeName: running.nodeName } : {}),
      ...(startedAt ? { startedAt } : {}),
      ...(access?.endpoint ? { endpoint: access.endpoint } : { endpoint: undefined }),
      resources: admission.resources ? grantedResources(admission.resources) : previous.resources,
      ...(expiry ? { expiresAt: expiry.expiresAt, expiryWarningAt: expiry.expiryWarningAt } : {}),
      ...(activity.lastActivityAt ? { lastActivityAt: rfc3339(activity.lastActivityAt) } : {}),
      ...(outcome.stoppedAt ? { stoppedAt: outcome.stoppedAt } : {}),
      phase: outcome.phase,
      reason: outcome.reason,
      message: outcome.message,
      conditions: outcome.conditions,
    };
    await writeStatus(this.d.client, AnalysisSessions, session, status);
    for (const e of [...events, ...outcome.events])
      void this.d.recorder.record(session, e.type, e.reason, 'Reconcile', e.note);

    // 9. Finish: stop an idle session, delete old history, or come back at the next deadline.
    const finished = await finishPass({
      client: this.d.client,
      recorder: this.d.recorder,
      session,
      phase: outcome.phase,
      clock,
      idle: activity.idle,
      historyTtlMs: this.d.config.historyTtlMs,
      now,
    });
    if (finished.done) return finished.result;
    const after = nextDeadline(
      now,
      ...(expiry?.deadlines ?? []),
      activity.nextProbeAt,
      finished.deleteAt,
      diagnosis.state === 'Pending' ? diagnosis.recheckAt : undefined,
    );
    return after === undefined ? undefined : { requeueAfterMs: after + 50 };
  };

  private machineName(session: AnalysisSession): string {
    const taken = new Set(
      this.d.caches.sessions
        .list(session.metadata.namespace)
        .filter((s) => s.metadata.name !== session.metadata.name)
        .map((s) => s.status?.machineName)
        .filter((m): m is string => typeof m === 'string'),
    );
    return uniqueMachineName(session.metadata.uid ?? session.metadata.name, taken);
  }
}

function grantedResources(r: {
  cpu: string;
  memory: string;
  disk?: string;
  gpus: number;
}): AnalysisSessionStatus['resources'] {
  return { cpu: r.cpu, memory: r.memory, ...(r.disk ? { disk: r.disk } : {}), gpus: r.gpus };
}
