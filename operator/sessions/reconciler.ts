// The AnalysisSession reconciler: reads the session and what it depends on from the caches, runs the
// steps in order (admit → plan → data → workload → access → activity → clock → status), writes
// status once and returns the next deadline. Each step lives in steps/ with its own tests; the
// workload and access seams choose the runtime and the access provider, so this file names neither.
import type { Logger } from 'pino';
import type { AnalysisSession, SessionImage } from '../../crds/index.ts';
import { AnalysisSessions } from '../api.ts';
import { writeStatus } from '../../runtime/apply.ts';
import { jsonEqual } from '../../runtime/equal.ts';
import type { ReconcileContext, ReconcileResult, Request } from '../../runtime/controller.ts';
import type { EventRecorder } from '../../runtime/events.ts';
import type { Cache } from '../../runtime/informer.ts';
import {
  Secrets,
  type KubeObject,
  type ResourceType,
  type Namespace,
  type Node,
  type PersistentVolume,
  type PersistentVolumeClaim,
} from '../../runtime/resources.ts';
import type { RestClient } from '../../runtime/rest.ts';
import { cappedClock, clockImage } from '../quotas/lifetime.ts';
import type { QuotaGate, QuotaOutcome } from '../quotas/gate.ts';
import { directAccess } from './access/direct.ts';
import { addFinalizer, finalizeDeleted, removeFinalizer } from './access/finalizers.ts';
import type { AccessProvider, Endpoint } from './access/types.ts';
import { Children, type ChildCaches } from './children.ts';
import { CredentialKeys } from './credential-keys.ts';
import { decodeCredentials, type CredentialsChoice, type SessionCredentials } from './credentials.ts';
import { recordedImage, sessionImage, type ImageSource } from './image-settings.ts';
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
import { onTheWay, progressWriteDelay } from './status-pacing.ts';
import { accessStep, missingFinalizer } from './steps/access.ts';
import { ActivityStep, DEFAULT_PROBES, type ActivityOutcome, type Probe } from './steps/activity.ts';
import { admit, proposalNamespace, type Admission } from './steps/admit.ts';
import { clockStep, sessionClock } from './steps/clock.ts';
import { DataStep } from './steps/data.ts';
import { finishPass, type FinishInput, type Finished } from './steps/finish.ts';
import { workloadIntent, type WorkloadIntent } from './steps/intent.ts';
import { HELD_DATA, heldForQuota, heldWorkload } from './steps/hold.ts';
import { planSession } from './steps/plan.ts';
import { RestartRefused, WorkloadStep } from './steps/workload.ts';
import type { EffectiveResources, SessionControllerConfig } from './types.ts';
import { DEFAULT_RUNTIMES, type WorkloadRuntimes } from './workloads/registry.ts';
import type { WarmPoolClaims } from './workloads/vm/claim.ts';

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
  /** The Secret of each proposal namespace that holds its credentials key. */
  credentialKeys: Cache<KubeObject>;
  /**
   * Whether the Secrets of a namespace are in the cache (they are watched per proposal namespace once
   * the operator's access there is granted); until then a missing Secret means nothing. Unset: always.
   */
  secretsListed?: (namespace: string) => boolean;
}

/** How long a session waits for access to its namespace before an Event says so. */
const ACCESS_PATIENCE_MS = 10_000;

export interface SessionReconcilerDeps {
  client: RestClient;
  recorder: EventRecorder;
  caches: SessionCaches;
  config: SessionControllerConfig;
  runtimes?: WorkloadRuntimes;
  /** Tried in order; the direct provider (the workload's own address) serves every image. */
  access?: readonly AccessProvider[];
  probes?: Readonly<Record<string, Probe>>;
  /** Quota admission (operator/quotas/); undefined: Quotas are not enforced. */
  quotas?: QuotaGate;
  /** Warm pool claims of VM sessions (workloads/vm/claim.ts); undefined: no pools. */
  pool?: WarmPoolClaims;
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
  private readonly keys: CredentialKeys;
  /** Per session key, the resourceVersion its last status write replaced (until the cache moves on). */
  private readonly replacedByWrite = new Map<string, string>();
  /** Per session on its way to Running, when its last status was written (epoch ms). */
  private readonly progressWrittenAt = new Map<string, number>();

  constructor(deps: SessionReconcilerDeps) {
    this.d = deps;
    this.now = deps.now ?? (() => new Date());
    this.runtimes = deps.runtimes ?? DEFAULT_RUNTIMES;
    this.access = deps.access ?? [directAccess];
    const children = new Children(deps.client, deps.caches.children);
    this.data = new DataStep(children, deps.caches);
    this.workload = new WorkloadStep(children, this.runtimes, deps.caches.nodes, deps.config);
    this.activity = new ActivityStep(deps.probes ?? DEFAULT_PROBES);
    this.keys = new CredentialKeys(deps.client, deps.caches.credentialKeys);
  }

  /** Since when each session has waited for the operator's access to its namespace. */
  private readonly awaitingAccess = new Map<string, number>();

  /** Waits for access to the namespace, and says so on the session if that takes long. */
  private awaitAccess(key: string, session: AnalysisSession): ReconcileResult {
    const since = this.awaitingAccess.get(key) ?? this.now().getTime();
    this.awaitingAccess.set(key, since);
    if (this.now().getTime() - since > ACCESS_PATIENCE_MS) {
      void this.d.recorder.record(
        session,
        'Warning',
        'NamespaceAccessPending',
        'Reconcile',
        `The operator cannot manage Secrets in namespace ${session.metadata.namespace ?? ''} yet: its RoleBinding daas-operator-access there is missing or not in force. An admin should check the operator's RBAC (docs/operations.md).`,
      );
    }
    return { requeueAfterMs: 1000 };
  }

  reconcile = async (req: Request, ctx: ReconcileContext): Promise<ReconcileResult | undefined> => {
    const session = this.d.caches.sessions.get(req.key);
    if (!session) {
      this.forget(req);
      return undefined;
    }
    if (session.metadata.deletionTimestamp) return this.finalize(session, ctx);
    // A namespace being deleted takes its sessions with it, and the API server refuses every new
    // object in it (403, "being terminated"): a pass would send writes bound to fail, again at each
    // retry. Nothing to do but wait; the sessions' deletion brings the last pass (finalizers).
    if (this.d.caches.namespaces.get(req.namespace ?? '')?.metadata.deletionTimestamp) return undefined;
    // The cache still holds the session our last status write replaced: its watch event is on the
    // way and brings us back (the requeue only guards a deadline that fell in between). A pass now
    // would act on old status and be refused (409) at the end.
    if (this.statusInFlight(req.key, session)) return { requeueAfterMs: 1000 };
    // A namespace whose Secrets are not listed yet (its access was granted a moment ago): a missing
    // Secret cannot be told from one not seen yet, and creating it again would fail or fork it.
    if (this.d.caches.secretsListed?.(req.namespace ?? '') === false)
      return this.awaitAccess(req.key, session);
    this.awaitingAccess.delete(req.key);
    // 1. Admit: the image (the settings a running workload started with), the namespace and the
    //    request make sense together.
    const { p: accepted, admission } = this.admitted(this.read(req.key, session, ctx.log));
    // 1b. Quotas: the session holds its share in every applicable Quota's ledger, or waits (Queued).
    const quota = await this.admitQuota(accepted, admission);
    if (quota?.retry) return { requeue: true };
    const p = this.withQuotaLifetime(accepted, quota);
    // 2. Plan what the session needs, and decide once whether its workload should exist. A session
    //    refused before it has any workload needs no credentials: it creates no Secret, not even
    //    its namespace's key.
    const refusedBeforeWorkload = admission.verdict.status !== 'True' && !p.workload;
    const credentials = refusedBeforeWorkload ? undefined : await this.credentials(p);
    const facts = {
      state: session.spec.state,
      expired: p.clock?.expired ?? false,
      refused: admission.terminal,
      sticky: stickyFailure(p.previous, session.metadata.generation),
      queued: quota?.admitted === false,
    };
    const plan = () => credentials && this.plan(p, admission.resources, credentials.credentials);
    let intent = workloadIntent(facts, plan);
    // 2b. Warm pool: a VM session about to start claims a booted VM (plans change: no VM of its own),
    //     and a claimed VM gets the session's credentials and data (workloads/vm/claim.ts).
    if (intent.run && (await this.claimFromPool(p, admission.resources)))
      intent = workloadIntent(facts, plan);
    if (intent.run && credentials) await this.personalise(p, admission.resources, credentials.credentials);
    // An access provider that registers the session outside the cluster holds it with a finalizer
    // from before the first registration; the patch's watch event brings the next pass.
    const finalizer = intent.run ? missingFinalizer(this.access, session, p.image) : undefined;
    if (finalizer)
      return (await addFinalizer(this.d.client, session, finalizer)) ? undefined : { requeueAfterMs: 1000 };
    // 3–4. Data and workload, or, when a change the session cannot take was made while its
    //      workload runs, that workload kept as it is (make-before-break: nothing that runs is removed).
    const held = heldWorkload(p, intent, admission) ?? heldForQuota(p, quota?.resizeRefused);
    const { data, workload } = held
      ? { data: HELD_DATA, workload: this.workload.hold(p, held) }
      : await this.apply(p, intent, credentials);
    const startedAt = firstStart(p, workload);
    // 5. Access: where and how to connect, once the workload is ready.
    const access = await accessStep({
      ...p,
      providers: this.access,
      workload: workload.diagnosis,
      credentials: liveCredentials(p, credentials),
    });
    // 6. Activity: when the session was last used, and whether it is idle.
    const running = workload.diagnosis.state === 'Running' ? workload.diagnosis.startedAt : undefined;
    const activity = await this.checkActivity(p, access?.internal ?? access?.endpoint, credentials, running);
    // 7. Clock: expiry and its warning.
    const clockSettings = p.image && clockImage(p.image, quota?.lifetimeCap);
    const expiry =
      clockSettings && clockStep(session, clockSettings, startedAt, p.previous.expiryWarningAt, p.now);
    // 8. Status: written once, from one pure function of the verdicts and facts.
    const o: PassOutcomes = {
      admission,
      intent,
      data,
      workload,
      access,
      activity,
      expiry,
      startedAt,
      held: held !== undefined,
      ...(quota ? { quota } : {}),
    };
    const outcome = sessionStatus(statusFacts(p, o));
    const status = nextStatus(p, o, outcome);
    // Steps on the way to Running are written at most once a second (status-pacing.ts).
    const lastProgress = this.progressWrittenAt.get(req.key);
    const hold = progressWriteDelay(p.previous.phase, outcome.phase, lastProgress, p.now.getTime());
    if (hold > 0 && !jsonEqual(session.status, status)) return { requeueAfterMs: hold };
    const write = await writeStatus(this.d.client, AnalysisSessions, session, status);
    if (write.written) {
      this.replacedByWrite.set(req.key, session.metadata.resourceVersion ?? '');
      if (onTheWay(outcome.phase)) this.progressWrittenAt.set(req.key, p.now.getTime());
      else this.progressWrittenAt.delete(req.key);
    }
    if (access?.releasedFinalizer)
      await removeFinalizer(this.d.client, write.object, access.releasedFinalizer);
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

  /** Steps 3 and 4 as usual: the data attached, the workload applied through its runtime or removed. */
  private async apply(p: SessionInputs, intent: WorkloadIntent, credentials: CredentialsChoice | undefined) {
    const data = intent.run ? await this.data.ensure(p.session, intent.plan.data, p.log, p.now) : undefined;
    const workload = await this.workload.run({
      ...p,
      intent,
      dataAttached: data?.attached ?? false,
      renewCredentials: credentials?.restartWorkload ?? false,
      skipShared: p.imageSource === 'kept',
      previousMessage: p.previous.message,
      ...(p.imageSource === 'catalogue' || !credentials
        ? {}
        : { replacement: (type: ResourceType) => this.restartObject(p, type, credentials.credentials) }),
    });
    return { data, workload };
  }

  /** Step 2b: claims a warm pool VM for the session if it can; true when it did. */
  private async claimFromPool(p: SessionInputs, resources: EffectiveResources | undefined): Promise<boolean> {
    if (!this.d.pool || !p.image || !resources) return false;
    return this.d.pool.claim(p.session, p.image, resources);
  }

  /** Step 2b: the session's credentials and data into its claimed VM, if it runs on one. */
  private async personalise(
    p: SessionInputs,
    resources: EffectiveResources | undefined,
    credentials: SessionCredentials,
  ): Promise<void> {
    const { session, image, namespace, machineName } = p;
    if (!this.d.pool || !image || !namespace || !resources) return;
    const input = { session, image, namespace, machineName, resources, config: this.d.config };
    const done = await this.d.pool.personalise(input, credentials);
    if (!done.ok) p.log.warn({ error: done.error }, 'cannot personalise the claimed VM');
  }

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
    this.progressWrittenAt.delete(req.key);
    this.awaitingAccess.delete(req.key);
  }

  /** Everything a pass needs about the session, read from the caches once. */
  private read(key: string, session: AnalysisSession, log: Logger): SessionInputs {
    const namespace = session.metadata.namespace ?? '';
    const secretName = childName(session.metadata.name);
    const workload = this.workloadObject(namespace, secretName);
    const catalogueImage = this.d.caches.images.get(session.spec.image);
    const recorded = recordedImage(workload?.object, session.spec.image);
    const { image, source } = sessionImage(recorded, catalogueImage);
    const now = this.now();
    const previous = session.status ?? {};
    return {
      key,
      session,
      previous,
      now,
      log,
      image,
      imageSource: source,
      catalogueImage,
      workload,
      namespace: proposalNamespace(this.d.caches.namespaces.get(namespace), namespace),
      runtime: image ? this.runtimes.get(image.spec.runtime) : undefined,
      secret: this.d.caches.children(Secrets).get(`${namespace}/${secretName}`),
      secretName,
      machineName: previous.machineName ?? this.machineName(session),
      clock: image ? sessionClock(session, image, now) : undefined,
    };
  }

  /**
   * Step 1 on the kept image settings; a change the kept settings refuse but the catalogue's allow
   * (an admin raised a maximum, then the user asked for more) is a restart on the catalogue's.
   */
  private admitted(kept: SessionInputs): { p: SessionInputs; admission: Admission } {
    const admission = admit(kept.session, kept.image, kept.namespace, this.runtimes);
    if (!admission.terminal || kept.imageSource !== 'kept' || !kept.catalogueImage)
      return { p: kept, admission };
    const p = this.withImage(kept, kept.catalogueImage, 'catalogue');
    const fresh = admit(p.session, p.image, p.namespace, this.runtimes);
    return fresh.terminal ? { p: kept, admission } : { p, admission: fresh };
  }

  /** Step 1b: quota admission, for a session that was accepted and is meant to run. */
  private async admitQuota(p: SessionInputs, admission: Admission): Promise<QuotaOutcome | undefined> {
    if (!this.d.quotas) return undefined;
    const { session } = p;
    const wantsToRun =
      session.spec.state === 'Running' &&
      !(p.clock?.expired ?? false) &&
      !admission.terminal &&
      admission.verdict.status === 'True' &&
      !stickyFailure(p.previous, session.metadata.generation);
    return this.d.quotas.admit({
      session,
      resources: admission.resources,
      wantsToRun,
      workloadPresent: p.workload !== undefined,
    });
  }

  /** The session clock with the applicable quotas' maximum lifetime (the smaller maximum applies). */
  private withQuotaLifetime(p: SessionInputs, quota: QuotaOutcome | undefined): SessionInputs {
    if (!quota?.lifetimeCap || !p.image) return p;
    return { ...p, clock: cappedClock(p.session, p.image, quota.lifetimeCap, p.now) };
  }

  /** The pass's inputs on other image settings (what depends on them: runtime and clock). */
  private withImage(p: SessionInputs, image: SessionImage, imageSource: ImageSource): SessionInputs {
    const runtime = this.runtimes.get(image.spec.runtime);
    return { ...p, image, imageSource, runtime, clock: sessionClock(p.session, image, p.now) };
  }

  /** Step 2's builder call, once every input is there (undefined: the pass waits for one). */
  private plan(
    p: SessionInputs,
    resources: EffectiveResources | undefined,
    credentials: SessionCredentials,
    image = p.image,
    runtime = p.runtime,
  ): ReturnType<typeof planSession> | undefined {
    const { session, namespace, machineName } = p;
    if (!image || !namespace || !runtime || !resources) return undefined;
    const input = { session, image, namespace, machineName, resources, config: this.d.config };
    return planSession(input, runtime, credentials);
  }

  /**
   * A new incarnation of a workload that runs on older image settings: a restart takes the
   * catalogue's current ones, so it is admitted and built from those (RestartRefused: not allowed).
   */
  private restartObject(p: SessionInputs, type: ResourceType, credentials: SessionCredentials): KubeObject {
    const image = p.catalogueImage;
    const name = p.session.spec.image;
    if (!image) throw new RestartRefused(`the image "${name}" was removed from the catalogue`);
    const admission = admit(p.session, image, p.namespace, this.runtimes);
    if (admission.verdict.status !== 'True') throw new RestartRefused(admission.verdict.message);
    const planned = this.plan(
      p,
      admission.resources,
      credentials,
      image,
      this.runtimes.get(image.spec.runtime),
    );
    if (!planned) throw new RestartRefused(`the image "${name}" cannot be used`);
    if (!planned.ok) throw new RestartRefused(`${planned.error.field}: ${planned.error.message}`);
    const object = planned.value.children.find((c) => c.type === type)?.object;
    if (!object) throw new RestartRefused(`the image "${name}" now runs another kind of workload`);
    return object;
  }

  /**
   * The credentials this pass puts in the Secret and the pod (chooseCredentials), once the session
   * may run; derived from the namespace's key, which the first session of a namespace creates.
   */
  private async credentials(p: SessionInputs): Promise<CredentialsChoice | undefined> {
    const { session, image, runtime } = p;
    if (!image || !runtime || session.spec.state !== 'Running') return undefined;
    return this.keys.credentialsFor(session, image.spec.access.protocol, p.workload?.object, p.secret);
  }

  /** The session's immutable workload object (its pod), whatever runtime made it. */
  private workloadObject(namespace: string, name: string): SessionInputs['workload'] {
    for (const runtime of this.runtimes.values()) {
      for (const kind of runtime.children.filter((k) => k.immutable)) {
        const object = this.d.caches.children(kind.type).get(`${namespace}/${name}`);
        if (object) return { object, runtime };
      }
    }
    return undefined;
  }

  /** Step 6, with the credentials the running workload has (not whatever the Secret holds now). */
  private async checkActivity(
    p: SessionInputs,
    endpoint: Endpoint | undefined,
    chosen: CredentialsChoice | undefined,
    runningSince: Date | undefined,
  ): Promise<ActivityOutcome> {
    if (!p.image) return { idle: false };
    const { key, image, now, log } = p;
    const credentials = liveCredentials(p, chosen);
    const lastActivityAt = p.previous.lastActivityAt;
    return this.activity.check({
      key,
      image,
      endpoint,
      credentials,
      lastActivityAt,
      runningSince,
      idleTimeoutMs: p.clock?.idleTimeoutMs,
      now,
      log,
    });
  }

  /** A deleted session: access providers release what they hold outside the cluster, then let it go. */
  private finalize(session: AnalysisSession, ctx: ReconcileContext): Promise<ReconcileResult | undefined> {
    const { client, recorder } = this.d;
    return finalizeDeleted({
      client,
      recorder,
      providers: this.access,
      session,
      now: this.now(),
      log: ctx.log,
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

/** The credentials the running workload has (not whatever the Secret holds now). */
function liveCredentials(
  p: SessionInputs,
  chosen: CredentialsChoice | undefined,
): SessionCredentials | undefined {
  return chosen && !chosen.restartWorkload ? chosen.credentials : decodeCredentials(p.secret);
}
