// Step 3, data: the proposal data as pre-bound PersistentVolumes and claims (Pod Security
// "restricted" forbids inline NFS). A claim is created only once its volume is Available, since
// kube-controller-manager binds a pre-bound claim at once only then (otherwise it waits for its
// resync); the volume's watch event brings the session back here. The volumes are cluster-scoped, so
// they cannot be owned by the session: they are deleted by label when the session expires or goes.
import type { Logger } from 'pino';
import type { AnalysisSession } from '../../../crds/index.ts';
import type { Cache } from '../../../runtime/informer.ts';
import { PersistentVolumeClaims, PersistentVolumes, type KubeObject } from '../../../runtime/resources.ts';
import { ChildRefused, REFUSAL_RETRY_MS, type Children } from '../children.ts';
import type { ConditionVerdict } from '../conditions.ts';
import type { DataVolumes } from '../data-volumes.ts';
import { SESSION_LABEL, SESSION_NAMESPACE_LABEL } from '../../../crds/index.ts';
import { labelValue } from '../names.ts';

export interface DataOutcome {
  verdict: ConditionVerdict;
  /** Every claim is Bound: the workload may mount them. */
  attached: boolean;
  /** A volume or claim had to be replaced because its content changed. */
  replaced: boolean;
  /** The API server refused a volume or claim: try again then. */
  retryAt?: Date;
}

const phaseOf = (obj: KubeObject | undefined) => (obj?.status as { phase?: string } | undefined)?.phase;

export class DataStep {
  private readonly children: Children;
  private readonly volumes: Cache<KubeObject>;
  private readonly claims: Cache<KubeObject>;

  constructor(children: Children, caches: { volumes: Cache<KubeObject>; claims: Cache<KubeObject> }) {
    this.children = children;
    this.volumes = caches.volumes;
    this.claims = caches.claims;
  }

  async ensure(session: AnalysisSession, data: DataVolumes, log: Logger, now: Date): Promise<DataOutcome> {
    try {
      return await this.attach(session, data, log);
    } catch (err) {
      if (!(err instanceof ChildRefused)) throw err;
      return {
        attached: false,
        replaced: false,
        retryAt: new Date(now.getTime() + REFUSAL_RETRY_MS),
        verdict: { type: 'DataReady', status: 'False', reason: 'DataRefused', message: err.sentence },
      };
    }
  }

  private async attach(session: AnalysisSession, data: DataVolumes, log: Logger): Promise<DataOutcome> {
    let replaced = false;
    let attached = true;
    for (const pv of data.persistentVolumes) {
      const outcome = await this.children.apply(session, PersistentVolumes, pv as KubeObject, {
        immutable: true,
        log,
      });
      replaced ||= outcome === 'replacing';
    }
    for (const claim of data.claims as KubeObject[]) {
      const current = this.children.get(
        PersistentVolumeClaims,
        claim.metadata.namespace,
        claim.metadata.name ?? '',
      );
      if (!current) {
        const volumeName = (claim.spec as { volumeName?: string } | undefined)?.volumeName ?? '';
        if (phaseOf(this.volumes.get(volumeName)) !== 'Available') {
          attached = false;
          continue;
        }
      }
      attached &&= phaseOf(current) === 'Bound';
      const outcome = await this.children.apply(session, PersistentVolumeClaims, claim, {
        immutable: true,
        log,
      });
      replaced ||= outcome === 'replacing';
    }
    return {
      attached,
      replaced,
      verdict: attached
        ? { type: 'DataReady', status: 'True', reason: 'Attached', message: 'proposal data attached' }
        : {
            type: 'DataReady',
            status: 'False',
            reason: 'AttachingData',
            message: 'Preparing access to the proposal data.',
          },
    };
  }

  /** Deletes the session's claims and volumes (the data itself stays on NFS). */
  async release(namespace: string, sessionName: string): Promise<void> {
    const session = labelValue(sessionName);
    for (const claim of this.claims.list(namespace)) {
      if (claim.metadata.labels?.[SESSION_LABEL] === session)
        await this.children.delete(PersistentVolumeClaims, claim);
    }
    await this.sweepVolumes(namespace, sessionName);
  }

  /** Deletes the PersistentVolumes made for a session (they have no owner reference to follow). */
  async sweepVolumes(namespace: string, sessionName: string): Promise<void> {
    const session = labelValue(sessionName);
    for (const pv of this.volumes.list()) {
      const labels = pv.metadata.labels ?? {};
      if (labels[SESSION_NAMESPACE_LABEL] === namespace && labels[SESSION_LABEL] === session) {
        await this.children.delete(PersistentVolumes, pv);
      }
    }
  }
}
