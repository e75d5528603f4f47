// Step 3, data: the proposal data through claims of the proposal namespace, each pre-bound to an NFS
// PersistentVolume (Pod Security "restricted" forbids inline NFS volumes). A claim serves one
// directory and mode (the proposal, the processed area, a home, an experiment session) and every
// session of the proposal that mounts data below it, with a subPath; it is created by the first
// session that needs it, so later sessions bind nothing. A claim is created only once its volume is
// Available: kube-controller-manager binds a pre-bound claim at once only then. Claims and volumes
// are shared, so they are created once and never replaced or deleted for a session: the claims go
// with the namespace, and the proposal-data controller deletes the volumes after it.
import type { Logger } from 'pino';
import type { AnalysisSession } from '../../../crds/index.ts';
import type { Cache } from '../../../runtime/informer.ts';
import { PersistentVolumeClaims, PersistentVolumes, type KubeObject } from '../../../runtime/resources.ts';
import { ChildRefused, REFUSAL_RETRY_MS, type Children } from '../children.ts';
import type { ConditionVerdict } from '../conditions.ts';
import type { DataVolumes } from '../data-volumes.ts';

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
    let attached = true;
    for (const pv of data.persistentVolumes as KubeObject[]) {
      if (this.volumes.get(pv.metadata.name ?? '')) continue;
      await this.children.apply(session, PersistentVolumes, pv, { log, owned: false });
    }
    for (const claim of data.claims as KubeObject[]) {
      const current = this.claims.get(`${claim.metadata.namespace ?? ''}/${claim.metadata.name ?? ''}`);
      if (current) {
        attached &&= phaseOf(current) === 'Bound';
        continue;
      }
      attached = false;
      const volumeName = (claim.spec as { volumeName?: string } | undefined)?.volumeName ?? '';
      if (phaseOf(this.volumes.get(volumeName)) !== 'Available') continue;
      await this.children.apply(session, PersistentVolumeClaims, claim, { log, owned: false });
    }
    return {
      attached,
      replaced: false,
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
}
