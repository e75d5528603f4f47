// The warm pool controller (ADR 0024): for every SessionImage with `warmPool.size > 0`, keeps that
// many booted, unclaimed VirtualMachines in the pool namespace within the admin's budget, drains the
// unclaimed ones an image no longer wants (never a claimed one), deletes claimed VMs whose session is
// gone (or that a session holds beyond the one it uses), and writes `status.warmPool` of each image.
// The budget spans all images, so every pass plans all pools at once: any change maps to one key.
import type { Logger } from 'pino';
import {
  CLAIMED_BY_LABEL,
  POOL_LABEL,
  SESSION_LABEL,
  type AnalysisSession,
  type SessionImage,
  type SessionImageStatus,
} from '../../crds/index.ts';
import { AnalysisSessions, SessionImages } from '../api.ts';
import { sessionsCache } from '../indexes.ts';
import { apply, writeStatus } from '../../runtime/apply.ts';
import type { OperatorContext } from '../../runtime/app.ts';
import type { Controller } from '../../runtime/controller.ts';
import { jsonEqual } from '../../runtime/equal.ts';
import { isConflict, isNotFound } from '../../runtime/errors.ts';
import type { Cache } from '../../runtime/informer.ts';
import {
  NetworkPolicies,
  Secrets,
  collectionPath,
  objectPath,
  type KubeObject,
} from '../../runtime/resources.ts';
import type { RestClient } from '../../runtime/rest.ts';
import { quantityValue } from '../../runtime/quantity.ts';
import { labelValue } from '../sessions/names.ts';
import type { SessionsConfig } from '../sessions/types.ts';
import { generateNetworkPolicy } from '../sessions/workloads/container/networkpolicy.ts';
import {
  chooseClaimed,
  claimingSession,
  sessionChildKey,
  type WarmPoolCaches,
} from '../sessions/workloads/vm/claim.ts';
import { VirtualMachines, type VirtualMachine } from '../sessions/workloads/vm/kinds.ts';
import { poolCaches } from './caches.ts';
import { poolBudget, type PoolConfig } from './config.ts';
import { allocate, planImage, type PoolImage } from './policy.ts';
import {
  accessSecretName,
  claimSecretName,
  freePoolNames,
  poolLabels,
  poolResources,
  poolSpecHash,
  poolVirtualMachine,
  poolVmSecret,
} from './pool-vm.ts';

/** Every change maps to this one key: the budget makes the pools one decision. */
const POOL_KEY = 'warm-pools';

export interface PoolControllerOptions {
  config: PoolConfig;
  sessions: SessionsConfig;
}

/** What the plan needs of an image with a pool, or undefined (no pool, disabled, not a VM image). */
function poolImage(image: SessionImage): PoolImage | undefined {
  const size = image.spec.warmPool?.size ?? 0;
  if (image.spec.runtime !== 'vm' || !image.spec.vm || image.spec.disabled || size === 0) return undefined;
  const resources = poolResources(image);
  if (!resources.ok) return undefined;
  return {
    label: labelValue(image.metadata.name),
    size,
    milliCpu: Math.round((quantityValue(resources.value.cpu) ?? 0) * 1000),
    memoryBytes: quantityValue(resources.value.memory) ?? 0,
    specHash: poolSpecHash(image),
  };
}

const deleteOptions = (resourceVersion?: string) => ({
  kind: 'DeleteOptions',
  apiVersion: 'v1',
  propagationPolicy: 'Background',
  ...(resourceVersion ? { preconditions: { resourceVersion } } : {}),
});

interface PoolDeps {
  client: RestClient;
  log: Logger;
  options: PoolControllerOptions;
  pool: WarmPoolCaches;
  images: Cache<SessionImage>;
  sessions: Cache<AnalysisSession>;
  /** Sessions' own VMs (cold starts), in their namespaces. */
  ownVms: Cache<KubeObject>;
}

class PoolReconciler {
  private readonly appliedPolicies = new Map<string, string>();
  private readonly client: RestClient;
  private readonly log: Logger;
  private readonly o: PoolControllerOptions;
  private readonly pool: WarmPoolCaches;
  private readonly images: Cache<SessionImage>;
  private readonly sessions: Cache<AnalysisSession>;
  private readonly ownVms: Cache<KubeObject>;

  constructor(d: PoolDeps) {
    this.client = d.client;
    this.log = d.log;
    this.o = d.options;
    this.pool = d.pool;
    this.images = d.images;
    this.sessions = d.sessions;
    this.ownVms = d.ownVms;
  }

  reconcile = async (): Promise<undefined> => {
    const namespace = this.o.config.warmPoolNamespace;
    const images = this.images.list();
    const pools = new Map<string, { image: SessionImage; pool: PoolImage }>();
    for (const image of images) {
      const pool = poolImage(image);
      if (pool) pools.set(pool.label, { image, pool });
    }
    const shares = allocate(
      [...pools.values()].map((p) => p.pool),
      poolBudget(this.o.config),
    );
    const vms = this.pool.vms.list(namespace);
    const byLabel = new Map<string, VirtualMachine[]>();
    for (const vm of vms) {
      const label = vm.metadata.labels?.[POOL_LABEL] ?? '';
      byLabel.set(label, [...(byLabel.get(label) ?? []), vm]);
    }
    // Images gone or without a pool: their unclaimed VMs are drained.
    for (const [label, list] of byLabel)
      if (!pools.has(label)) for (const vm of planImage(undefined, 0, list).drain) await this.drain(vm);

    for (const [label, { image, pool }] of pools) {
      const share = shares.get(label) ?? { allowed: 0 };
      const mine = byLabel.get(label) ?? [];
      const plan = planImage(pool, share.allowed, mine);
      if (plan.create > 0) await this.ensurePolicy(image);
      const taken = new Set(vms.map((vm) => vm.metadata.name ?? ''));
      for (const name of freePoolNames(image.metadata.name, taken, plan.create))
        await this.create(image, name);
      for (const vm of plan.drain) await this.drain(vm);
      await this.writeCounts(image, { ...plan.counts, ...(share.message ? { message: share.message } : {}) });
    }
    for (const image of images)
      if (!pools.has(labelValue(image.metadata.name)) && image.status?.warmPool)
        await this.writeCounts(image, undefined);

    for (const vm of vms) await this.ensureSecrets(vm);
    await this.releaseClaims(vms);
    return undefined;
  };

  /** The pool namespace's NetworkPolicy of the image: only the gateway reaches its VMs' access port. */
  private async ensurePolicy(image: SessionImage): Promise<void> {
    const namespace = this.o.config.warmPoolNamespace;
    const input = { image, namespace: { name: namespace, proposal: 'pool' }, config: this.o.sessions };
    const policy = generateNetworkPolicy(input as Parameters<typeof generateNetworkPolicy>[0]);
    const labels = poolLabels(image.metadata.name);
    policy.metadata = { name: policy.metadata?.name ?? '', namespace, labels };
    if (policy.spec) policy.spec.podSelector = { matchLabels: { [POOL_LABEL]: labels[POOL_LABEL] ?? '' } };
    const text = JSON.stringify(policy);
    if (this.appliedPolicies.get(image.metadata.name) === text) return;
    await apply(this.client, NetworkPolicies, policy as KubeObject);
    this.appliedPolicies.set(image.metadata.name, text);
  }

  private async create(image: SessionImage, name: string): Promise<void> {
    const namespace = this.o.config.warmPoolNamespace;
    const built = poolVirtualMachine(image, name, namespace, this.o.sessions);
    if (!built.ok) {
      this.log.warn({ image: image.metadata.name, error: built.error }, 'cannot build a warm pool VM');
      return;
    }
    try {
      const vm = await this.client.request<VirtualMachine>(
        'POST',
        collectionPath(VirtualMachines, namespace),
        {
          body: built.value.vm,
        },
      );
      this.log.info({ image: image.metadata.name, vm: name }, 'warm pool VM created');
      await this.ensureSecrets(vm);
    } catch (err) {
      // Another operator process refilled with the same (lowest free) name first.
      if (!isConflict(err)) throw err;
    }
  }

  /** Both Secrets the VM names exist (empty until a claim fills them), owned by the VM. */
  private async ensureSecrets(vm: VirtualMachine): Promise<void> {
    if (!vm.metadata.uid || vm.metadata.deletionTimestamp) return;
    const name = vm.metadata.name ?? '';
    for (const secretName of [accessSecretName(name), claimSecretName(name)]) {
      if (this.pool.secrets.get(`${vm.metadata.namespace ?? ''}/${secretName}`)) continue;
      try {
        await this.client.request('POST', collectionPath(Secrets, vm.metadata.namespace), {
          body: poolVmSecret(vm, secretName),
        });
      } catch (err) {
        if (!isConflict(err)) throw err;
      }
    }
  }

  /** Deletes an unclaimed VM, only as we saw it: one claimed in between is kept (409). */
  private async drain(vm: VirtualMachine): Promise<void> {
    if (vm.metadata.labels?.[CLAIMED_BY_LABEL] || vm.metadata.deletionTimestamp) return;
    await this.remove(vm, vm.metadata.resourceVersion);
    this.log.info({ vm: vm.metadata.name }, 'warm pool VM drained');
  }

  private async remove(vm: VirtualMachine, resourceVersion?: string): Promise<void> {
    try {
      await this.client.request(
        'DELETE',
        objectPath(VirtualMachines, vm.metadata.namespace, vm.metadata.name ?? ''),
        {
          body: deleteOptions(resourceVersion),
        },
      );
    } catch (err) {
      if (!isConflict(err) && !isNotFound(err)) throw err;
    }
  }

  /**
   * Claimed VMs whose session the API server confirms gone (or replaced by a new one of the same name)
   * go; so do the claimed VMs a session holds beyond the one it uses (two operator processes raced).
   */
  private async releaseClaims(vms: readonly VirtualMachine[]): Promise<void> {
    const bySession = new Map<string, VirtualMachine[]>();
    for (const vm of vms) {
      const key = claimingSession(vm);
      if (key && !vm.metadata.deletionTimestamp) bySession.set(key, [...(bySession.get(key) ?? []), vm]);
    }
    for (const [key, claimed] of bySession) {
      const uid = claimed[0]?.metadata.labels?.[CLAIMED_BY_LABEL];
      const [namespace = '', name = ''] = key.split('/');
      const cached = this.sessions.get(key);
      if (!cached || cached.metadata.uid !== uid) {
        if (await this.sessionExists(namespace, name, uid)) continue;
        for (const vm of claimed) await this.remove(vm);
        this.log.info(
          { session: key, vms: claimed.map((v) => v.metadata.name) },
          'session gone; its VM deleted',
        );
        continue;
      }
      const own = this.ownVms.get(sessionChildKey(namespace, name)) !== undefined;
      for (const vm of chooseClaimed(claimed, own).surplus) await this.remove(vm);
    }
  }

  /** Whether the API server still has the session with this UID (the cache may lag behind). */
  private async sessionExists(namespace: string, name: string, uid: string | undefined): Promise<boolean> {
    try {
      const s = await this.client.request<AnalysisSession>(
        'GET',
        objectPath(AnalysisSessions, namespace, name),
      );
      return s.metadata.uid === uid;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  private async writeCounts(image: SessionImage, warmPool: SessionImageStatus['warmPool']): Promise<void> {
    const { warmPool: _old, ...rest } = image.status ?? {};
    const status: SessionImageStatus = warmPool ? { ...rest, warmPool } : rest;
    if (jsonEqual(image.status ?? {}, status)) return;
    await writeStatus(this.client, SessionImages, image, status);
  }
}

export function registerPoolController(
  ctx: OperatorContext,
  options: PoolControllerOptions,
  controllerOptions: { workers?: number } = {},
): Controller {
  const m = ctx.manager;
  const pool = poolCaches(m, options.config.warmPoolNamespace);
  // Operators limited to some namespaces (tests) keep only the pools of their own images.
  const selector = options.config.warmPoolImageSelector;
  const imageSelectors = selector ? { labelSelector: selector } : undefined;
  const images = m.cache(SessionImages, imageSelectors);
  const sessions = sessionsCache(m);
  const ownVms = m.cache(VirtualMachines, { labelSelector: SESSION_LABEL });
  const reconciler = new PoolReconciler({
    client: ctx.client,
    log: ctx.log,
    options,
    pool,
    images,
    sessions,
    ownVms,
  });
  const toPool = () => POOL_KEY;
  const controller = m.controller({
    name: 'warmpool',
    for: SessionImages,
    ...(imageSelectors ? { forSelectors: imageSelectors } : {}),
    reconcile: reconciler.reconcile,
    // One decision for all pools: more workers would only race each other.
    workers: controllerOptions.workers === undefined ? 1 : Math.min(1, controllerOptions.workers),
    watches: [
      // A session deleted may leave a claimed VM to delete; updates do not matter here.
      { type: AnalysisSessions, map: toPool, predicate: () => false },
    ],
  });
  controller.watch(pool.vms, toPool);
  controller.watch(pool.secrets, toPool, () => false);
  controller.watch(ownVms, toPool, () => false);
  return controller;
}
