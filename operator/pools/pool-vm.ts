// A warm pool VirtualMachine, pure (ADR 0024): the image's VM as a session would get it with the
// image's default resources, but booted for nobody: no cloud-init user, an ephemeral disk, the pool's
// labels, and two Secrets of its own, empty until a session claims the VM: `<vm>-access`, its
// accessCredentials propagated by the qemu-guest-agent (user → password), and `<vm>-claim`, shared
// with the guest through virtiofs (claim.json: user, ids, mounts, service), which the golden image's
// daas-claim unit applies. Two, because KubeVirt reads every key of the first as a user name.
import { createHash } from 'node:crypto';
import type { V1Secret } from '@kubernetes/client-node';
import {
  APP_MANAGED_BY_LABEL,
  APP_NAME_LABEL,
  POOL_LABEL,
  POOL_RESOURCES_ANNOTATION,
  POOL_SPEC_ANNOTATION,
  type AnalysisSession,
  type SessionImage,
} from '../../crds/index.ts';
import { boundedDnsName, labelValue } from '../sessions/names.ts';
import { effectiveResources } from '../sessions/resources.ts';
import type { EffectiveResources, Result, SessionsConfig } from '../sessions/types.ts';
import type { VirtualMachine } from '../sessions/workloads/vm/kinds.ts';
import { generateVirtualMachine } from '../sessions/workloads/vm/virtual-machine.ts';

/** The virtiofs tag (and volume name) under which the guest finds claim.json. */
export const CLAIM_FILESYSTEM = 'daas-claim';
/** The key of the claim Secret the in-guest unit reads. */
export const CLAIM_FILE_KEY = 'claim.json';

/** Short enough that `virt-launcher-<name>` and `<name>-claim` stay DNS labels. */
const MAX_NAME = 48;

/** The name of a pool VM of `image` at index `n`. */
export const poolVmName = (image: string, n: number) =>
  boundedDnsName('daas-pool-', `${image}-${String(n)}`, MAX_NAME);
export const claimSecretName = (vmName: string) => `${vmName}-claim`;
export const accessSecretName = (vmName: string) => `${vmName}-access`;

/** The lowest indices whose names are free, `count` of them: two refilling operators pick the same. */
export function freePoolNames(image: string, taken: ReadonlySet<string>, count: number): string[] {
  const names: string[] = [];
  for (let n = 0; names.length < count; n++) {
    const name = poolVmName(image, n);
    if (!taken.has(name)) names.push(name);
  }
  return names;
}

export function poolLabels(image: string): Record<string, string> {
  return {
    [APP_NAME_LABEL]: 'daas-pool-vm',
    [APP_MANAGED_BY_LABEL]: 'daas-operator',
    [POOL_LABEL]: labelValue(image),
  };
}

/** The resources a pool VM of the image boots with: the image's defaults, as a session asking for nothing gets. */
export function poolResources(image: SessionImage): Result<EffectiveResources> {
  const nobody = { metadata: { name: 'pool' }, spec: { image: image.metadata.name } } as AnalysisSession;
  return effectiveResources(image, nobody);
}

/** A pool VM's resources as its annotation holds them, comparable with a session's. */
export const resourcesKey = (r: EffectiveResources) =>
  JSON.stringify([r.cpu, r.memory, r.disk ?? '', r.gpus, r.gpus > 0 ? r.gpuResourceName : '']);

/** A hash of the image settings a pool VM is built from (its spec, without its name). */
export function poolSpecHash(image: SessionImage): string {
  const { vm, access, scheduling, resources } = image.spec;
  return createHash('sha256')
    .update(JSON.stringify([vm, access.port, scheduling, resources?.default, resources?.gpuResourceName]))
    .digest('hex')
    .slice(0, 16);
}

export interface PoolVmObjects {
  vm: VirtualMachine;
  resources: EffectiveResources;
}

/** The pool VM `name` of `image` in `namespace`, or why the image cannot have one. */
export function poolVirtualMachine(
  image: SessionImage,
  name: string,
  namespace: string,
  config: SessionsConfig,
): Result<PoolVmObjects> {
  const resources = poolResources(image);
  if (!resources.ok) return resources;
  const vmSpec = image.spec.vm;
  // Booted for nobody: no first-boot user (the claim brings it), and a disk that goes with the VM.
  const generic: SessionImage = vmSpec
    ? {
        ...image,
        spec: {
          ...image.spec,
          vm: { ...vmSpec, bootstrap: 'none', disk: { ...vmSpec.disk, persistent: false } },
        },
      }
    : image;
  const nobody = {
    apiVersion: 'daas.calipsoplus.eu/v1alpha1',
    kind: 'AnalysisSession',
    metadata: { name, namespace },
    spec: { image: image.metadata.name, owner: 'daas-pool', proposal: 'pool', state: 'Running' },
  } as AnalysisSession;
  const built = generateVirtualMachine({
    session: nobody,
    image: generic,
    namespace: { name: namespace, proposal: 'pool' },
    machineName: name,
    resources: resources.value,
    config,
    data: { volumes: [], mounts: [], persistentVolumes: [], claims: [], notes: [] },
    credentials: { token: '' },
  });
  if (!built.ok) return built;
  const vm = built.value.vm;
  const labels = poolLabels(image.metadata.name);
  const secretName = claimSecretName(name);
  const accessName = accessSecretName(name);
  vm.metadata = {
    name,
    namespace,
    labels,
    annotations: {
      [POOL_RESOURCES_ANNOTATION]: resourcesKey(resources.value),
      [POOL_SPEC_ANNOTATION]: poolSpecHash(image),
    },
  };
  const spec = vm.spec ?? {};
  for (const t of (spec['dataVolumeTemplates'] ?? []) as { metadata?: Record<string, unknown> }[])
    t.metadata = { ...t.metadata, labels };
  const template = spec.template ?? {};
  template.metadata = { labels };
  const podSpec = (template.spec ?? {}) as {
    domain?: { devices?: Record<string, unknown> };
    volumes?: Record<string, unknown>[];
    accessCredentials?: unknown[];
  };
  podSpec.accessCredentials = [
    {
      userPassword: {
        source: { secret: { secretName: accessName } },
        propagationMethod: { qemuGuestAgent: {} },
      },
    },
  ];
  const devices = podSpec.domain?.devices ?? {};
  devices['filesystems'] = [{ name: CLAIM_FILESYSTEM, virtiofs: {} }];
  podSpec.volumes = [...(podSpec.volumes ?? []), { name: CLAIM_FILESYSTEM, secret: { secretName } }];
  return { ok: true, value: { vm, resources: resources.value } };
}

/** A Secret of a pool VM (`secretName`), owned by it; `data` empty while nobody has claimed it. */
export function poolVmSecret(
  vm: VirtualMachine,
  secretName: string,
  data?: Record<string, string>,
): V1Secret {
  const name = vm.metadata.name ?? '';
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: secretName,
      namespace: vm.metadata.namespace ?? '',
      labels: { ...vm.metadata.labels },
      ownerReferences: [
        {
          apiVersion: 'kubevirt.io/v1',
          kind: 'VirtualMachine',
          name,
          uid: vm.metadata.uid ?? '',
          blockOwnerDeletion: true,
        },
      ],
    },
    type: 'Opaque',
    ...(data ? { data } : {}),
  };
}
