// The AnalysisSession reconciler: reads the session, its image, its proposal namespace and its
// children from the caches, calls the pure builders, applies only what changed, removes what must go,
// and writes status once. Deadlines (expiry, warning, probes, grace periods) come back as requeueAfter.
import { createHash } from 'node:crypto';
import type { V1Pod } from '@kubernetes/client-node';
import {
  type AnalysisSession,
  type AnalysisSessionStatus,
  type SessionImage,
  type SessionPhase,
} from '../../crds/index.ts';
import { AnalysisSessions } from '../api.ts';
import { apply, mergePatch, writeStatus } from '../../runtime/apply.ts';

import { setCondition } from '../../runtime/conditions.ts';
import type { ReconcileContext, ReconcileResult, Request } from '../../runtime/controller.ts';
import { isNotFound } from '../../runtime/errors.ts';
import type { EventRecorder } from '../../runtime/events.ts';
import type { Cache } from '../../runtime/informer.ts';
import { withControllerReference } from '../../runtime/owners.ts';
import {
  NetworkPolicies,
  PersistentVolumeClaims,
  PersistentVolumes,
  Pods,
  Secrets,
  Services,
  objectPath,
  type KubeObject,
  type ResourceType,
} from '../../runtime/resources.ts';
import type { RestClient } from '../../runtime/rest.ts';
import { rfc3339 } from '../../runtime/time.ts';
import { SESSION_LABEL, SESSION_NAMESPACE_LABEL, childName, labelValue } from './names.ts';
import { dataVolumes } from './data-volumes.ts';
import { generateNetworkPolicy } from './workloads/container/networkpolicy.ts';
import { generatePod } from './workloads/container/pod.ts';
import { generateSecret, randomCredentials } from './workloads/container/secret.ts';
import { generateService } from './workloads/container/service.ts';
import type { BuildError, BuildInput, SessionControllerConfig } from './types.ts';
import { admit, proposalNamespace } from './admission.ts';
import { capacityNote } from './workloads/capacity.ts';
import {
  firstBlocking,
  orderedConditions,
  podVerdicts,
  runningPhase,
  sessionEndpoint,
  type ConditionVerdict,
} from './conditions.ts';
import { idleVerdict, probeJupyter, type ActivityProbe } from './activity/jupyter.ts';
import { expiryStatus, humanDuration, nextDeadline, sessionClock } from './lifecycle.ts';
import { uniqueMachineName } from './machine-name.ts';
import { diagnosePod, type PodDiagnosis } from './workloads/container/diagnosis.ts';
import { parseDuration } from '../config.ts';

export const HASH_ANNOTATION = 'daas.calipsoplus.eu/applied-hash';
/** Set with spec.state=Stopped by the idle culler; names the generation that stop produced. */
export const IDLE_STOP_ANNOTATION = 'daas.calipsoplus.eu/idle-stopped-generation';


export interface SessionCaches {
  sessions: Cache<KubeObject>;
  images: Cache<KubeObject>;
  namespaces: Cache<KubeObject>;
  pods: Cache<KubeObject>;
  services: Cache<KubeObject>;
  secrets: Cache<KubeObject>;
  networkPolicies: Cache<KubeObject>;
  claims: Cache<KubeObject>;
  /** Cluster-scoped, so not owned by the session: swept by label when the session is gone. */
  volumes: Cache<KubeObject>;
  /** Read only to say how big the biggest node is when no node can run a session. */
  nodes: Cache<KubeObject>;
}

export interface SessionReconcilerDeps {
  client: RestClient;
  recorder: EventRecorder;
  caches: SessionCaches;
  config: SessionControllerConfig;
  now?: () => Date;
  probe?: (url: string, token: string) => Promise<ActivityProbe>;
}

type Desired = { type: ResourceType; object: KubeObject };
const IMMUTABLE = new Set<ResourceType>([Pods, PersistentVolumes, PersistentVolumeClaims]);

function hashOf(obj: unknown): string {
  return createHash('sha256').update(JSON.stringify(obj)).digest('hex').slice(0, 16);
}

function decodeSecret(secret: KubeObject | undefined): { token: string; vncPassword?: string } | undefined {
  const data = secret?.data as Record<string, string> | undefined;
  if (!data?.token) return undefined;
  const decode = (v: string | undefined) => (v ? Buffer.from(v, 'base64').toString('utf8') : undefined);
  return { token: decode(data.token) ?? '', vncPassword: decode(data.password) };
}

export class SessionReconciler {
  private readonly d: SessionReconcilerDeps;
  private readonly now: () => Date;
  private readonly probe: (url: string, token: string) => Promise<ActivityProbe>;
  /** When each session's activity was last probed (memory only: after a restart, probe at once). */
  private readonly probedAt = new Map<string, number>();

  constructor(deps: SessionReconcilerDeps) {
    this.d = deps;
    this.now = deps.now ?? (() => new Date());
    this.probe = deps.probe ?? ((url, token) => probeJupyter(url, token));
  }

  reconcile = async (req: Request, ctx: ReconcileContext): Promise<ReconcileResult | undefined> => {
    const cached = this.d.caches.sessions.get(req.key) as AnalysisSession | undefined;
    if (!cached) {
      this.probedAt.delete(req.key);
      await this.sweepVolumes(req.namespace ?? '', req.name);
      return undefined;
    }
    if ((cached.metadata as { deletionTimestamp?: string }).deletionTimestamp) return undefined;
    const session = cached;
    const now = this.now();
    const namespace = session.metadata.namespace ?? '';
    const name = childName(session.metadata.name);
    const previous: AnalysisSessionStatus = session.status ?? {};
    const generation = session.metadata.generation;
    const status: AnalysisSessionStatus = { ...previous, observedGeneration: generation };
    const verdicts: ConditionVerdict[] = [];
    const deadlines: (Date | undefined)[] = [];
    const child = (cache: Cache<KubeObject>) => cache.get(`${namespace}/${name}`);
    const pod = child(this.d.caches.pods);
    const events: [type: 'Normal' | 'Warning', reason: string, note: string][] = [];

    status.machineName ??= uniqueMachineName(
      session.metadata.uid ?? session.metadata.name,
      new Set(
        this.d.caches.sessions
          .list(namespace)
          .filter((s) => s.metadata.name !== session.metadata.name)
          .map((s) => (s as AnalysisSession).status?.machineName)
          .filter((m): m is string => typeof m === 'string'),
      ),
    );

    // --- Accepted: the image, the namespace and the request make sense together. ---
    const image = this.d.caches.images.get(session.spec.image) as SessionImage | undefined;
    const ns = proposalNamespace(this.d.caches.namespaces.get(namespace), namespace);
    const admission = admit(session, image, ns);
    verdicts.push(admission.verdict);
    let terminal = admission.terminal;
    const resources = admission.resources;

    const clock = image ? sessionClock(session, image, now) : undefined;
    // A workload failure (recorded as Ready=False with the failure's reason) stays until the user
    // changes the spec: a new generation tries again. Failures of Accepted or DataReady are not
    // sticky: they are worked out again on every pass, so fixing the image or namespace heals them.
    const previousReady = (previous.conditions ?? []).find((c) => c.type === 'Ready');
    const stickyFailure =
      previous.phase === 'Failed' &&
      previous.observedGeneration === generation &&
      previousReady?.status === 'False' &&
      previousReady.reason === previous.reason;
    if (stickyFailure) {
      // Keep the conditions that led to the failure as they were.
      for (const type of ['DataReady', 'Scheduled', 'Ready'] as const) {
        const c = (previous.conditions ?? []).find((x) => x.type === type);
        if (c) verdicts.push({ type, status: c.status, reason: c.reason, message: c.message });
      }
    }
    const wantRunning = session.spec.state === 'Running' && !clock?.expired && !terminal && !stickyFailure;
    let phase: SessionPhase;
    let reason: string;
    let message: string;
    let podDiagnosis: PodDiagnosis = { state: 'Absent' };

    if (wantRunning && image && ns && resources) {
      const input: BuildInput = {
        session,
        image,
        namespace: ns,
        machineName: status.machineName,
        resources,
        config: this.d.config,
      };
      const built = this.build(input, child(this.d.caches.secrets));
      if (!built.ok) {
        verdicts.push({
          type: 'DataReady',
          status: 'False',
          reason: built.error.reason,
          message: `${built.error.field}: ${built.error.message}`,
        });
        terminal = true;
        await this.removeWorkload(namespace, session.metadata.name, pod, { keepSecret: true });
      } else {
        const applied = await this.applyChildren(session, built.value, ctx);
        if (applied.note) events.push(['Normal', 'Recreated', applied.note]);
        verdicts.push(
          applied.dataBound
            ? { type: 'DataReady', status: 'True', reason: 'Attached', message: 'proposal data attached' }
            : {
                type: 'DataReady',
                status: 'False',
                reason: 'AttachingData',
                message: 'Preparing access to the proposal data.',
              },
        );
        podDiagnosis = diagnosePod(
          (this.d.caches.pods.get(`${namespace}/${name}`) as unknown as V1Pod | undefined) ?? undefined,
          now,
          { imagePullGraceMs: this.d.config.imagePullGraceMs },
        );
      }
    } else {
      // Stopped or failed sessions keep their credentials for a resume; expired ones are history.
      await this.removeWorkload(namespace, session.metadata.name, pod, { keepSecret: !clock?.expired });
      podDiagnosis = pod
        ? { state: 'Pending', reason: 'Stopping', message: 'stopping' }
        : { state: 'Absent' };
    }

    // --- Conditions from what the pod says. ---
    let d = podDiagnosis;
    if (d.state === 'Unschedulable' && image && this.d.caches.nodes.hasSynced()) {
      const note = capacityNote(
        this.d.caches.nodes.list(),
        d.shortResources,
        image.spec.scheduling?.nodeSelector,
      );
      // Before the scheduler's own words, which stay last for admins.
      const at = d.message.indexOf(' Scheduler:');
      const message =
        at < 0 ? `${d.message} ${note}` : `${d.message.slice(0, at)} ${note}${d.message.slice(at)}`;
      d = { ...d, message: note ? message : d.message };
    }
    if (wantRunning && !terminal) verdicts.push(...podVerdicts(d));

    if (d.state === 'Running') {
      status.nodeName = d.nodeName;
      if (d.ready && !status.startedAt) {
        status.startedAt = rfc3339(now);
        events.push(['Normal', 'Started', `Session running as ${status.machineName}`]);
      }
    }
    const endpoint = image ? sessionEndpoint(session, image, d, name) : undefined;
    const endpointReady = endpoint !== undefined;
    if (endpoint) {
      status.endpoint = endpoint;
      verdicts.push({
        type: 'AccessReady',
        status: 'True',
        reason: 'EndpointReady',
        message: 'ready to connect',
      });
    } else {
      delete status.endpoint;
    }
    status.resources = resources
      ? {
          cpu: resources.cpu,
          memory: resources.memory,
          ...(resources.disk ? { disk: resources.disk } : {}),
          gpus: resources.gpus,
        }
      : previous.resources;

    // --- Clock: expiry, warning, extension. ---
    const c = image && status.startedAt ? sessionClock({ ...session, status }, image, now) : undefined;
    if (c) {
      deadlines.push(c.warnAt, c.expiresAt);
      const expiry = expiryStatus(c, status.expiryWarningAt, now);
      status.expiresAt = expiry.expiresAt;
      status.expiryWarningAt = expiry.expiryWarningAt;
      if (expiry.warning) events.push(['Warning', 'ExpiringSoon', expiry.warning]);
    }

    // --- Idle culling (jupyter signal, only on a fresh successful probe). ---
    let idleStop = false;
    if (endpointReady && image?.spec.activity?.signal === 'jupyter' && status.endpoint?.url) {
      const intervalMs = parseDuration(image.spec.activity.probeInterval) ?? 300_000;
      const last = this.probedAt.get(req.key) ?? 0;
      if (now.getTime() - last >= intervalMs) {
        this.probedAt.set(req.key, now.getTime());
        const creds = decodeSecret(child(this.d.caches.secrets));
        const probe = creds
          ? await this.probe(status.endpoint.url, creds.token)
          : { ok: false as const, error: 'no credentials' };
        const previousActivity = status.lastActivityAt ? new Date(status.lastActivityAt) : undefined;
        const timeout = clock?.idleTimeoutMs;
        if (probe.ok) {
          const v = idleVerdict({
            probe,
            previousActivityAt: previousActivity,
            idleTimeoutMs: timeout ?? Number.POSITIVE_INFINITY,
            now,
          });
          if (v.lastActivityAt) status.lastActivityAt = rfc3339(v.lastActivityAt);
          idleStop = v.cull && timeout !== undefined;
        } else {
          ctx.log.info({ err: probe.error }, 'activity probe failed; keeping the session');
        }
      }
      deadlines.push(new Date((this.probedAt.get(req.key) ?? now.getTime()) + intervalMs));
    }

    // --- Phase, reason and message: one path. ---
    if (clock?.expired) {
      phase = 'Expired';
      reason = 'LifetimeExpired';
      message = `The session reached its lifetime of ${humanDuration(clock.lifetimeMs)} and was stopped. Raise spec.lifetime (up to the image maximum) to bring it back.`;
    } else if (terminal) {
      const blocking = verdicts.find((v) => v.status !== 'True');
      phase = 'Failed';
      reason = blocking?.reason ?? 'Failed';
      message = blocking?.message ?? 'The session cannot run.';
    } else if (stickyFailure) {
      phase = 'Failed';
      reason = previous.reason ?? 'Failed';
      message = previous.message ?? 'The session failed.';
    } else if (d.state === 'Failed') {
      phase = 'Failed';
      reason = d.reason;
      message = `${d.message} Change the session (or set state to Stopped and back to Running) to try again.`;
      events.push(['Warning', d.reason, d.message]);
      await this.removeWorkload(
        namespace,
        session.metadata.name,
        this.d.caches.pods.get(`${namespace}/${name}`),
        {
          keepSecret: true,
        },
      );
    } else if (session.spec.state === 'Stopped') {
      const idle = session.metadata.annotations?.[IDLE_STOP_ANNOTATION] === String(generation);
      phase = pod ? 'Stopping' : 'Stopped';
      reason = idle ? 'IdleTimeout' : 'StoppedByUser';
      message = idle
        ? `Stopped after ${humanDuration(clock?.idleTimeoutMs ?? 0)} without activity. Set state to Running to resume; your files are kept.`
        : 'Stopped. Set state to Running to resume; your files are kept.';
      if (phase === 'Stopped' && previous.phase !== 'Stopped') status.stoppedAt = rfc3339(now);
    } else {
      const conditions = orderedConditions(previous.conditions, verdicts, generation, now);
      phase = runningPhase(conditions);
      const blocking = firstBlocking(conditions);
      reason = blocking?.reason ?? 'Running';
      message =
        blocking?.message ??
        `Running as ${status.machineName}${status.expiresAt ? ` until ${status.expiresAt}` : ''}.`;
      if (clock?.capped) {
        message += ` The requested lifetime is longer than this image allows: capped at ${humanDuration(clock.lifetimeMs)}.`;
      }
    }

    let conditions = orderedConditions(previous.conditions, verdicts, generation, now);
    conditions = setCondition(
      conditions,
      status.expiryWarningAt && !clock?.expired
        ? {
            type: 'ExpiringSoon',
            status: 'True',
            reason: 'ExpiringSoon',
            message: `expires at ${status.expiresAt ?? ''}`,
          }
        : {
            type: 'ExpiringSoon',
            status: 'False',
            reason: clock?.expired ? 'Expired' : 'NotYet',
            message: clock?.expired ? 'the session has expired' : 'not close to expiry',
          },
      generation,
      now,
    );
    status.conditions = conditions;
    status.phase = phase;
    status.reason = reason;
    status.message = message;
    if (phase !== previous.phase) {
      const type = phase === 'Failed' || phase === 'Expired' ? 'Warning' : 'Normal';
      events.push([type, `Phase${phase}`, message]);
    }

    await writeStatus(
      this.d.client,
      AnalysisSessions,
      session as unknown as KubeObject & { status?: unknown },
      status,
    );
    for (const [type, r, note] of events) void this.d.recorder.record(session, type, r, 'Reconcile', note);

    if (idleStop) {
      await mergePatch(this.d.client, AnalysisSessions, namespace, session.metadata.name, {
        metadata: { annotations: { [IDLE_STOP_ANNOTATION]: String((generation ?? 0) + 1) } },
        spec: { state: 'Stopped' },
      });
      void this.d.recorder.record(
        session,
        'Normal',
        'IdleStopped',
        'Cull',
        `No activity for ${humanDuration(clock?.idleTimeoutMs ?? 0)}: stopping the session.`,
      );
      return { requeue: false };
    }

    // History: an Expired session is deleted after the configured TTL.
    if (phase === 'Expired' && clock?.expiresAt) {
      const deleteAt = new Date(clock.expiresAt.getTime() + this.d.config.historyTtlMs);
      if (now >= deleteAt) {
        await this.d.client
          .request('DELETE', objectPath(AnalysisSessions, namespace, session.metadata.name))
          .catch((err: unknown) => {
            if (!isNotFound(err)) throw err;
          });
        return undefined;
      }
      deadlines.push(deleteAt);
    }
    // An image pull inside its grace period: come back exactly when the grace runs out.
    if (d.state === 'Pending') deadlines.push(d.recheckAt);
    const after = nextDeadline(now, ...deadlines);
    return after === undefined ? undefined : { requeueAfterMs: after + 50 };
  };

  private build(
    input: BuildInput,
    existingSecret: KubeObject | undefined,
  ): { ok: true; value: Desired[] } | { ok: false; error: BuildError } {
    const pod = generatePod(input);
    if (!pod.ok) return pod;
    const data = dataVolumes(input);
    if (!data.ok) return data;
    const credentials = decodeSecret(existingSecret) ?? randomCredentials();
    const volumes = data.value.persistentVolumes as unknown as KubeObject[];
    const claims = data.value.claims as unknown as KubeObject[];
    return {
      ok: true,
      value: [
        // Volumes and claims first: the pod cannot be scheduled before its claims are bound.
        ...volumes.map((object) => ({ type: PersistentVolumes, object })),
        ...claims.map((object) => ({ type: PersistentVolumeClaims, object })),
        { type: Secrets, object: generateSecret(input, credentials) as unknown as KubeObject },
        { type: Services, object: generateService(input) as unknown as KubeObject },
        { type: NetworkPolicies, object: generateNetworkPolicy(input) as unknown as KubeObject },
        { type: Pods, object: pod.value as unknown as KubeObject },
      ],
    };
  }

  /**
   * Applies each child whose desired content changed (by hash), so an unchanged session costs no
   * writes. A pod's spec is immutable: a changed pod is deleted and created again on the next pass.
   * Returns a note when a child had to be recreated.
   */
  private async applyChildren(
    session: AnalysisSession,
    desired: Desired[],
    ctx: ReconcileContext,
  ): Promise<{ note: string | undefined; dataBound: boolean }> {
    const caches: Record<string, Cache<KubeObject>> = {
      Secret: this.d.caches.secrets,
      Service: this.d.caches.services,
      NetworkPolicy: this.d.caches.networkPolicies,
      Pod: this.d.caches.pods,
      PersistentVolumeClaim: this.d.caches.claims,
      PersistentVolume: this.d.caches.volumes,
    };
    let note: string | undefined;
    let dataBound = true;
    for (const { type, object } of desired) {
      // Create the pod only once its claims are bound: an unbound claim makes the scheduler park
      // the pod as unschedulable and retry it much later.
      if (type === Pods && !dataBound) continue;
      const hash = hashOf(object);
      const key = object.metadata.namespace
        ? `${object.metadata.namespace}/${object.metadata.name ?? ''}`
        : (object.metadata.name ?? '');
      const current = caches[type.kind]?.get(key);
      if (type === PersistentVolumeClaims && !current) {
        // kube-controller-manager binds a pre-bound claim at once only if it already knows the
        // volume and has made it Available; otherwise (or when its own workers race on the volume)
        // it retries on its 15 s resync. Create the claim once the volume is Available (the
        // volume's watch event brings us back here).
        const volumeName = (object.spec as { volumeName?: string } | undefined)?.volumeName ?? '';
        const volume = this.d.caches.volumes.get(volumeName);
        if ((volume?.status as { phase?: string } | undefined)?.phase !== 'Available') {
          dataBound = false;
          continue;
        }
      }
      if (type === PersistentVolumeClaims) {
        dataBound &&= (current?.status as { phase?: string } | undefined)?.phase === 'Bound';
      }
      if (current && current.metadata.annotations?.[HASH_ANNOTATION] === hash) continue;
      if (current && IMMUTABLE.has(type)) {
        // Immutable specs: delete now, create on a later pass once it is gone.
        if (!current.metadata.deletionTimestamp) {
          ctx.log.info({ kind: type.kind, key }, 'spec changed; replacing');
          await this.delete(type, current);
        }
        note = 'The session was restarted to apply a change to its resources, image or data.';
        continue;
      }
      if (!current && type === Pods && session.status?.startedAt)
        note = 'The session pod was missing and was created again.';
      const stamped: KubeObject = {
        ...object,
        metadata: {
          ...object.metadata,
          annotations: { ...object.metadata.annotations, [HASH_ANNOTATION]: hash },
        },
      };
      // A cluster-scoped volume cannot name a namespaced owner; sweepVolumes removes it instead.
      const owned = type.namespaced
        ? withControllerReference(stamped, AnalysisSessions, session as unknown as KubeObject)
        : stamped;
      await apply(this.d.client, type, owned);
    }
    return { note, dataBound };
  }

  /** Deletes the running parts (pod, service, network policy), and the secret unless kept. */
  private async removeWorkload(
    namespace: string,
    sessionName: string,
    pod: KubeObject | undefined,
    { keepSecret }: { keepSecret: boolean },
  ): Promise<void> {
    const key = `${namespace}/${childName(sessionName)}`;
    if (pod && !pod.metadata.deletionTimestamp) await this.delete(Pods, pod);
    for (const [type, cache] of [
      [Services, this.d.caches.services],
      [NetworkPolicies, this.d.caches.networkPolicies],
      ...(keepSecret ? [] : [[Secrets, this.d.caches.secrets] as const]),
    ] as const) {
      const obj = cache.get(key);
      if (obj && !obj.metadata.deletionTimestamp) await this.delete(type, obj);
    }
    if (!keepSecret) {
      // Expired: the data claims and volumes go too (the data itself stays on NFS).
      for (const claim of this.d.caches.claims.list(namespace)) {
        if (
          claim.metadata.labels?.[SESSION_LABEL] === labelValue(sessionName) &&
          !claim.metadata.deletionTimestamp
        ) {
          await this.delete(PersistentVolumeClaims, claim);
        }
      }
      await this.sweepVolumes(namespace, sessionName);
    }
  }

  /** Deletes the PersistentVolumes made for a session (they have no owner reference to follow). */
  private async sweepVolumes(namespace: string, sessionName: string): Promise<void> {
    const session = labelValue(sessionName);
    for (const pv of this.d.caches.volumes.list()) {
      const labels = pv.metadata.labels ?? {};
      const ours = labels[SESSION_NAMESPACE_LABEL] === namespace && labels[SESSION_LABEL] === session;
      if (ours && !pv.metadata.deletionTimestamp) await this.delete(PersistentVolumes, pv);
    }
  }

  private async delete(type: ResourceType, obj: KubeObject): Promise<void> {
    try {
      await this.d.client.request(
        'DELETE',
        objectPath(type, obj.metadata.namespace, obj.metadata.name ?? ''),
        {
          body: {
            kind: 'DeleteOptions',
            apiVersion: 'v1',
            preconditions: { uid: obj.metadata.uid },
            propagationPolicy: 'Background',
          },
        },
      );
    } catch (err) {
      if (!isNotFound(err) && !(err instanceof Error && /Precondition failed|409/.test(err.message)))
        throw err;
    }
  }
}
