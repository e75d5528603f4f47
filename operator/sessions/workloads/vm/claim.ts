// The session side of the warm pool (ADR 0024): a new vm session claims a booted VM of its image's
// pool with one write guarded by the VM's resourceVersion (a 409: another session won, try the next;
// none left: cold start), then fills the VM's two Secrets with its credentials and data, which the
// guest agent and the golden image's daas-claim unit apply in the running guest. A claimed VM lives in
// the pool namespace and is found by its claim annotation; it is the session's VM from then on
// (diagnosed, deleted on stop or failure, never returned to the pool).
import type { Logger } from 'pino';
import {
  CLAIMED_AT_ANNOTATION,
  CLAIMED_BY_LABEL,
  CLAIMED_SESSION_ANNOTATION,
  POOL_LABEL,
  POOL_RESOURCES_ANNOTATION,
  POOL_SPEC_ANNOTATION,
  type AnalysisSession,
  type SessionImage,
} from '../../../../crds/index.ts';
import { apply, mergePatch } from '../../../../runtime/apply.ts';
import { jsonEqual } from '../../../../runtime/equal.ts';
import { isConflict, isNotFound } from '../../../../runtime/errors.ts';
import type { Cache } from '../../../../runtime/informer.ts';
import { Secrets, objectPath, type KubeObject, type ResourceType } from '../../../../runtime/resources.ts';
import type { RestClient } from '../../../../runtime/rest.ts';
import { rfc3339 } from '../../../../runtime/time.ts';
import {
  accessSecretName,
  claimSecretName,
  CLAIM_FILE_KEY,
  poolSpecHash,
  poolVmSecret,
  resourcesKey,
} from '../../../pools/pool-vm.ts';
import type { ChildCaches } from '../../children.ts';
import type { SessionCredentials } from '../../credentials.ts';
import { childName, labelValue, shortHash } from '../../names.ts';
import type { BuildInput, EffectiveResources, Result } from '../../types.ts';
import { operatorEnv, sessionIdentity } from '../container/pod.ts';
import type { Child, WorkloadRuntime } from '../types.ts';
import { PROTOCOL_SERVICES } from './cloud-init.ts';
import { guestMounts, guestUserName } from './guest-data.ts';
import {
  VirtualMachineInstances,
  VirtualMachines,
  type VirtualMachine,
  type VirtualMachineInstance,
} from './kinds.ts';
import { guestGroup } from './virtual-machine.ts';
import { formatWait } from '../../../../runtime/duration.ts';

/** Index of the pool VM cache: claimed VMs by the claiming session's child key (`<ns>/daas-<session>`). */
export const BY_CLAIMING_SESSION = 'byClaimingSession';

/** The key under which a session's children are cached: its namespace and child name. */
export const sessionChildKey = (namespace: string, session: string) => `${namespace}/${childName(session)}`;

function claimingChildKey(vm: VirtualMachine): string[] {
  const claimed = vm.metadata.annotations?.[CLAIMED_SESSION_ANNOTATION];
  if (!claimed || !vm.metadata.labels?.[CLAIMED_BY_LABEL]) return [];
  const [namespace = '', name = ''] = claimed.split('/');
  return [sessionChildKey(namespace, name)];
}

/** The key of the session that claimed a pool VM (none for an unclaimed one). */
export function claimingSession(vm: KubeObject | undefined): string | undefined {
  const claimed = vm?.metadata.annotations?.[CLAIMED_SESSION_ANNOTATION];
  return claimed && vm.metadata.labels?.[CLAIMED_BY_LABEL] ? claimed : undefined;
}

/** The index functions the pool VM cache needs. */
export const POOL_VM_INDEXES = { [BY_CLAIMING_SESSION]: claimingChildKey };

/** Of the VMs claimed for one session, the one it uses (the lowest name) and the surplus. Pure. */
export function chooseClaimed(
  claimed: readonly VirtualMachine[],
  hasOwnVm: boolean,
): { use?: VirtualMachine; surplus: VirtualMachine[] } {
  const sorted = [...claimed].sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  if (hasOwnVm) return { surplus: sorted };
  const [use, ...surplus] = sorted;
  return use ? { use, surplus } : { surplus };
}

/**
 * The ready VMs a session may claim, in the order it tries them: only VMs of the image's current
 * settings booted with exactly the session's resources; starting at a place given by the session's
 * UID, so sessions created at once try different VMs first instead of all racing for one. Pure.
 */
export function claimOrder(
  vms: readonly VirtualMachine[],
  sessionUid: string,
  wanted: { label: string; specHash: string; resources: string },
): VirtualMachine[] {
  const candidates = vms
    .filter(
      (vm) =>
        vm.metadata.labels?.[POOL_LABEL] === wanted.label &&
        !vm.metadata.labels[CLAIMED_BY_LABEL] &&
        !vm.metadata.deletionTimestamp &&
        vm.status?.ready === true &&
        vm.status.printableStatus === 'Running' &&
        vm.metadata.annotations?.[POOL_SPEC_ANNOTATION] === wanted.specHash &&
        vm.metadata.annotations[POOL_RESOURCES_ANNOTATION] === wanted.resources,
    )
    .sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  if (candidates.length === 0) return [];
  const start = Number.parseInt(shortHash(sessionUid), 16) % candidates.length;
  return [...candidates.slice(start), ...candidates.slice(0, start)];
}

/** What the in-guest daas-claim unit reads (claim.json) and the guest agent applies (user → password). Pure. */
export function claimContent(
  input: BuildInput,
  credentials: SessionCredentials,
): Result<{ user: string; claim: Record<string, unknown> }> {
  const user = guestUserName(input.session.spec.owner);
  if (!user.ok) return user;
  const mounts = guestMounts(input);
  if (!mounts.ok) return mounts;
  const identity = sessionIdentity(input);
  if (!identity.ok) return identity;
  const env: Record<string, string> = {};
  for (const e of operatorEnv(input)) if (e.value !== undefined) env[e.name] = e.value;
  return {
    ok: true,
    value: {
      user: user.value,
      claim: {
        hostname: input.machineName,
        user: user.value,
        uid: identity.value.uid,
        gid: identity.value.gid,
        group: guestGroup(input.namespace.proposal),
        password: credentials.token,
        mounts: mounts.value,
        services: PROTOCOL_SERVICES[input.image.spec.access.protocol] ?? [],
        env,
      },
    },
  };
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

export interface WarmPoolCaches {
  /** VirtualMachines of the pool namespace (by the pool label), indexed by POOL_VM_INDEXES. */
  vms: Cache<VirtualMachine>;
  instances: Cache<VirtualMachineInstance>;
  secrets: Cache<KubeObject>;
}

/** Claims for the session controller: which pool VM a session has, taking one, personalising it. */
export class WarmPoolClaims {
  readonly caches: WarmPoolCaches;
  private readonly client: RestClient;
  private readonly log: Logger;
  /** The sessions' own VMs (in their namespaces), known once childCaches() wrapped the session's caches. */
  private ownVms: Cache<KubeObject> | undefined;
  /** Claims this process made that its cache may not show yet: session child key → VM name. */
  private readonly made = new Map<string, string>();

  constructor(client: RestClient, caches: WarmPoolCaches, log: Logger) {
    this.client = client;
    this.caches = caches;
    this.log = log;
  }

  /** The pool VMs claimed for the session whose child key is `key` (the cache's, and ours in flight). */
  claimedFor(key: string): VirtualMachine[] {
    const claimed = this.caches.vms.byIndex(BY_CLAIMING_SESSION, key);
    const made = this.made.get(key);
    if (made === undefined) return claimed;
    const cached = claimed.find((vm) => vm.metadata.name === made);
    if (cached) {
      this.made.delete(key); // the cache caught up
      return claimed;
    }
    const vm = this.caches.vms.list().find((v) => v.metadata.name === made);
    if (!vm) {
      this.made.delete(key); // gone (deleted with the session's stop)
      return claimed;
    }
    return [...claimed, vm];
  }

  /** The claimed VM the session uses, if it has one and no VM of its own. */
  vmFor(key: string, hasOwnVm = false): VirtualMachine | undefined {
    return chooseClaimed(this.claimedFor(key), hasOwnVm).use;
  }

  /**
   * Claims a ready VM for `session` if its image has a pool and the session has no VM yet; true when it
   * did. A 409 means another session (or operator process) claimed that VM first: the next is tried.
   */
  async claim(
    session: AnalysisSession,
    image: SessionImage,
    resources: EffectiveResources,
  ): Promise<boolean> {
    if (image.spec.runtime !== 'vm' || (image.spec.warmPool?.size ?? 0) === 0) return false;
    const namespace = session.metadata.namespace ?? '';
    const key = sessionChildKey(namespace, session.metadata.name);
    // A session with a VM of its own (a cold start) never claims; one with a claim never claims again.
    if (this.ownVms?.get(key) || this.claimedFor(key).length > 0) return false;
    const uid = session.metadata.uid ?? '';
    const order = claimOrder(this.caches.vms.list(), uid, {
      label: labelValue(image.metadata.name),
      specHash: poolSpecHash(image),
      resources: resourcesKey(resources),
    });
    for (const vm of order) {
      const name = vm.metadata.name ?? '';
      try {
        await mergePatch(this.client, VirtualMachines, vm.metadata.namespace, name, {
          metadata: {
            // The precondition: the API server takes this write only over the version we saw unclaimed.
            resourceVersion: vm.metadata.resourceVersion,
            labels: { [CLAIMED_BY_LABEL]: uid },
            annotations: {
              [CLAIMED_SESSION_ANNOTATION]: `${namespace}/${session.metadata.name}`,
              [CLAIMED_AT_ANNOTATION]: rfc3339(),
            },
          },
        });
      } catch (err) {
        if (isNotFound(err)) continue;
        if (!isConflict(err)) throw err;
        // Another session won this VM, or another operator process claimed it for this very session
        // (it tries the same VM first): then it is ours, and claiming a second one would waste it.
        if (!(await this.claimedForUs(vm, uid))) continue;
      }
      this.made.set(key, name);
      this.log.info({ session: `${namespace}/${session.metadata.name}`, vm: name }, 'claimed a warm pool VM');
      return true;
    }
    return false;
  }

  /** Whether the API server says `vm` is claimed by the session with this UID. */
  private async claimedForUs(vm: VirtualMachine, uid: string): Promise<boolean> {
    try {
      const now = await this.client.request<VirtualMachine>(
        'GET',
        objectPath(VirtualMachines, vm.metadata.namespace, vm.metadata.name ?? ''),
      );
      return now.metadata.labels?.[CLAIMED_BY_LABEL] === uid;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /**
   * Writes the session's credentials and data into its claimed VM's Secrets (nothing when they hold
   * them already), so the guest agent and the daas-claim unit personalise the running guest.
   */
  async personalise(input: BuildInput, credentials: SessionCredentials): Promise<Result<void>> {
    const vm = this.vmFor(sessionChildKey(input.namespace.name, input.session.metadata.name));
    if (!vm?.metadata.uid) return { ok: true, value: undefined };
    const content = claimContent(input, credentials);
    if (!content.ok) return content;
    const name = vm.metadata.name ?? '';
    const wanted: [string, Record<string, string>][] = [
      [accessSecretName(name), { [content.value.user]: b64(credentials.token) }],
      [claimSecretName(name), { [CLAIM_FILE_KEY]: b64(JSON.stringify(content.value.claim)) }],
    ];
    // Both at once: the session waits for them before it is Running.
    await Promise.all(
      wanted.map(async ([secretName, data]) => {
        const current = this.caches.secrets.get(`${vm.metadata.namespace ?? ''}/${secretName}`);
        if (current && jsonEqual((current as { data?: unknown }).data, data)) return;
        await apply(this.client, Secrets, poolVmSecret(vm, secretName, data) as KubeObject);
      }),
    );
    return { ok: true, value: undefined };
  }

  /**
   * The session's children caches, with its claimed VM and instance standing in for its own where it
   * has none: the runtime diagnoses, stops and deletes a claimed VM as any VM of the session.
   */
  childCaches(caches: ChildCaches): ChildCaches {
    const stand = <T extends KubeObject>(cache: Cache<T>, lookup: (key: string) => T | undefined): Cache<T> =>
      new Proxy(cache, {
        get(target, prop) {
          if (prop === 'get') return (key: string) => target.get(key) ?? lookup(key);
          const value: unknown = Reflect.get(target, prop, target);
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      });
    const claimedVm = (key: string) => this.vmFor(key);
    this.ownVms = caches(VirtualMachines);
    const vms = stand(this.ownVms, claimedVm);
    const instances = stand(caches(VirtualMachineInstances), (key) => {
      const vm = claimedVm(key);
      return vm && this.caches.instances.get(`${vm.metadata.namespace ?? ''}/${vm.metadata.name ?? ''}`);
    });
    return (type: ResourceType) =>
      type === VirtualMachines ? vms : type === VirtualMachineInstances ? instances : caches(type);
  }
}

/** The VMI condition KubeVirt sets once the guest agent applied the access credentials. */
export const CREDENTIALS_SYNCHRONIZED = 'AccessCredentialsSynchronized';

/**
 * The VM runtime with claims: a session with a claimed VM plans no VM (and no first-boot Secret) of
 * its own, and is Running only once the guest took its credentials (KubeVirt says so on the VMI).
 */
export function claimingVmRuntime(
  base: WorkloadRuntime,
  claims: WarmPoolClaims,
  settings: { bootTimeoutMs: number },
): WorkloadRuntime {
  return {
    ...base,
    desired(input) {
      const built = base.desired(input);
      const key = sessionChildKey(input.namespace.name, input.session.metadata.name);
      if (!built.ok || !claims.vmFor(key)) return built;
      const own = (c: Child) => c.type === VirtualMachines || c.type === Secrets;
      return { ok: true, value: built.value.filter((c) => !own(c)) };
    },
    diagnose(observed, now, diagnosis) {
      const d = base.diagnose(observed, now, diagnosis);
      const vm: VirtualMachine | undefined = observed(VirtualMachines);
      const claimedAt = vm?.metadata.annotations?.[CLAIMED_AT_ANNOTATION];
      if (d.state !== 'Running' || !d.ready || !vm?.metadata.labels?.[POOL_LABEL] || !claimedAt) return d;
      const vmi: VirtualMachineInstance | undefined = observed(VirtualMachineInstances);
      const synced = vmi?.status?.conditions?.find((c) => c.type === CREDENTIALS_SYNCHRONIZED);
      if (synced?.status === 'True')
        return { ...d, message: 'The virtual machine (from the warm pool) is running.' };
      const deadline = new Date(new Date(claimedAt).getTime() + settings.bootTimeoutMs);
      if (now >= deadline)
        return {
          state: 'Failed',
          reason: 'GuestNotBooting',
          message: `The warm pool virtual machine ${vm.metadata.name ?? ''} did not take the session's credentials within ${formatWait(settings.bootTimeoutMs)}: its guest agent or the daas-claim unit of the image may be missing.${synced?.message ? ` KubeVirt: ${synced.message.replace(/\.?\s*$/, '.')}` : ''}`,
        };
      return {
        state: 'Pending',
        reason: 'Booting',
        message: 'Preparing the virtual machine from the warm pool for you (user, password and data).',
        recheckAt: deadline,
      };
    },
  };
}
