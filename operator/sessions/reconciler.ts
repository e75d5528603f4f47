// The AnalysisSession reconciler: reads the session and what it depends on from the caches, runs the
// steps in order (admit → plan → data → workload → access → activity → clock → status), writes
// status once and returns the next deadline. Each step lives in steps/ with its own tests; the
// workload and access seams choose the runtime and the access provider, so this file names neither.
import type { Logger } from 'pino';
import type { AnalysisSession, SessionImage } from '../../crds/index.ts';
import { AnalysisSessions } from '../api.ts';
import { writeStatus } from '../../runtime/apply.ts';
import type { ReconcileContext, ReconcileResult, Request } from '../../runtime/controller.ts';
import type { EventRecorder } from '../../runtime/events.ts';
import type { Cache } from '../../runtime/informer.ts';
import {
  Secrets,
  type Namespace,
  type Node,
  type PersistentVolume,
  type PersistentVolumeClaim,
} from '../../runtime/resources.ts';
import type { RestClient } from '../../runtime/rest.ts';
import { directAccess } from './access/direct.ts';
import type { AccessProvider, Endpoint } from './access/types.ts';
import { Children, type ChildCaches } from './children.ts';
import { decodeCredentials } from './credentials.ts';
import { uniqueMachineName } from './machine-name.ts';
import { childName } from './names.ts';
import {
  firstStart,
  nextRequeue,
  nextStatus,
  passEvents,
  statusFacts,
  type PassOutcomes,
  type SessionInputs,
} from './pass.ts';
import { sessionStatus, stickyFailure } from './status.ts';
import { accessStep } from './steps/access.ts';
import { ActivityStep, DEFAULT_PROBES, type ActivityOutcome, type Probe } from './steps/activity.ts';
import { admit, proposalNamespace, type Admission } from './steps/admit.ts';
import { clockStep, sessionClock } from './steps/clock.ts';
import { DataStep } from './steps/data.ts';
import { finishPass, type FinishInput, type Finished } from './steps/finish.ts';
import { workloadIntent } from './steps/intent.ts';
import { planSession } from './steps/plan.ts';
import { WorkloadStep } from './steps/workload.ts';
import type { SessionControllerConfig } from './types.ts';
import { DEFAULT_RUNTIMES, type WorkloadRuntimes } from './workloads/registry.ts';

export interface SessionCaches {
  sessions: Cache<AnalysisSession>;
  images: Cache<SessionImage>;
  namespaces: Cache<Namespace>;
  /** Read only to say how big the biggest node is when no node can run a session. */
  nodes: Cache<Node>;
  /** Cluster-scoped, so not owned by the session: swept by label when the session is gone. */
  volumes: Cache<PersistentVolume>;
  claims: Cache<PersistentVolumeClaim>;
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
  /** Per session key, the resourceVersion its last status write replaced (until the cache moves on). */
  private readonly replacedByWrite = new Map<string, string>();

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
      this.forget(req);
      return undefined;
    }
    if (session.metadata.deletionTimestamp) return undefined;
    // The cache still holds the session our last status write replaced: its watch event is on the
    // way and brings us back (the requeue only guards a deadline that fell in between). A pass now
    // would act on old status and be refused (409) at the end.
    if (this.statusInFlight(req.key, session)) return { requeueAfterMs: 1000 };
    const p = this.read(req.key, session, ctx.log);

    // 1. Admit: the image, the namespace and the request make sense together.
    const admission = admit(session, p.image, p.namespace, this.runtimes);
    // 2. Plan what the session needs, and decide once whether its workload should exist.
    const intent = workloadIntent(
      {
        state: session.spec.state,
        expired: p.clock?.expired ?? false,
        refused: admission.terminal,
        sticky: stickyFailure(p.previous, session.metadata.generation),
      },
      () => this.plan(p, admission),
    );
    // 3. Data: the proposal's shared data claims attached.
    const data = intent.run ? await this.data.ensure(session, intent.plan.data, p.log, p.now) : undefined;
    // 4. Workload: applied through its runtime, or removed; what it is doing.
    const workload = await this.workload.run({ ...p, intent, dataAttached: data?.attached ?? false });
    const startedAt = firstStart(p, workload);
    // 5. Access: where and how to connect, once the workload is ready.
    const access = await accessStep({ ...p, providers: this.access, workload: workload.diagnosis });
    // 6. Activity: when the session was last used, and whether it is idle.
    const activity = await this.checkActivity(p, access?.internal ?? access?.endpoint);
    // 7. Clock: expiry and its warning.
    const expiry = p.image && clockStep(session, p.image, startedAt, p.previous.expiryWarningAt, p.now);
    // 8. Status: written once, from one pure function of the verdicts and facts.
    const o: PassOutcomes = { admission, intent, data, workload, access, activity, expiry, startedAt };
    const outcome = sessionStatus(statusFacts(p, o));
    const write = await writeStatus(this.d.client, AnalysisSessions, session, nextStatus(p, o, outcome));
    if (write.written) this.replacedByWrite.set(req.key, session.metadata.resourceVersion ?? '');
    for (const e of [...passEvents(p, o), ...outcome.events]) {
      void this.d.recorder.record(session, e.type, e.reason, 'Reconcile', e.note);
    }
    // 9. Finish: stop an idle session or delete old history; else come back at the next deadline.
    const finished = await this.finish({
      session,
      phase: outcome.phase,
      clock: p.clock,
      idle: activity.idle,
      now: p.now,
    });
    if (finished.done) return finished.result;
    const after = nextRequeue(p, o, finished.deleteAt);
    return after === undefined ? undefined : { requeueAfterMs: after + 50 };
  };

  /** Whether the cached session is the version our last status write replaced. */
  private statusInFlight(key: string, session: AnalysisSession): boolean {
    const replaced = this.replacedByWrite.get(key);
    if (replaced === undefined) return false;
    if (replaced === session.metadata.resourceVersion) return true;
    this.replacedByWrite.delete(key);
    return false;
  }

  /** A session that is gone: forget what was kept about it (its children go by owner reference). */
  private forget(req: Request): void {
    this.activity.forget(req.key);
    this.replacedByWrite.delete(req.key);
  }

  /** Everything a pass needs about the session, read from the caches once. */
  private read(key: string, session: AnalysisSession, log: Logger): SessionInputs {
    const namespace = session.metadata.namespace ?? '';
    const image = this.d.caches.images.get(session.spec.image);
    const now = this.now();
    const secretName = childName(session.metadata.name);
    const previous = session.status ?? {};
    return {
      key,
      session,
      previous,
      now,
      log,
      image,
      namespace: proposalNamespace(this.d.caches.namespaces.get(namespace), namespace),
      runtime: image ? this.runtimes.get(image.spec.runtime) : undefined,
      secret: this.d.caches.children(Secrets).get(`${namespace}/${secretName}`),
      secretName,
      machineName: previous.machineName ?? this.machineName(session),
      clock: image ? sessionClock(session, image, now) : undefined,
    };
  }

  /** Step 2's builder call, once every input is there (undefined: the pass waits for one). */
  private plan(p: SessionInputs, admission: Admission): ReturnType<typeof planSession> | undefined {
    const { session, image, namespace, runtime, machineName } = p;
    if (!image || !namespace || !runtime || !admission.resources) return undefined;
    const input = {
      session,
      image,
      namespace,
      machineName,
      resources: admission.resources,
      config: this.d.config,
    };
    return planSession(input, runtime, p.secret);
  }

  private async checkActivity(p: SessionInputs, endpoint: Endpoint | undefined): Promise<ActivityOutcome> {
    if (!p.image) return { idle: false };
    const { key, image, now, log } = p;
    const credentials = decodeCredentials(p.secret);
    const lastActivityAt = p.previous.lastActivityAt;
    return this.activity.check({
      key,
      image,
      endpoint,
      credentials,
      lastActivityAt,
      idleTimeoutMs: p.clock?.idleTimeoutMs,
      now,
      log,
    });
  }

  private finish(f: Pick<FinishInput, 'session' | 'phase' | 'clock' | 'idle' | 'now'>): Promise<Finished> {
    return finishPass({
      ...f,
      client: this.d.client,
      recorder: this.d.recorder,
      historyTtlMs: this.d.config.historyTtlMs,
    });
  }

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
