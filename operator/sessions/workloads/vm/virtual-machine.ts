// The session's KubeVirt VirtualMachine (kubevirt.io/v1), pure: the boot disk (a containerDisk, or a
// DataVolume cloned from the image's golden claim or imported from its containerDisk when the disk is
// persistent), cpu, memory, GPUs as host devices, firmware (EFI, secure boot, TPM), the pod network,
// and the guest's bootstrap (cloud-init for Linux, sysprep for Windows) from a Secret beside it, so
// no credential is in the VirtualMachine's spec. Owner references are added by the reconciler.
import type { V1Secret } from '@kubernetes/client-node';
import { quantityValue } from '../../../../runtime/quantity.ts';
import { childName, sessionAnnotations, sessionLabels } from '../../names.ts';
import { refuse, type Result } from '../../types.ts';
import { operatorEnv, placement, sessionIdentity } from '../container/pod.ts';
import type { WorkloadInput } from '../types.ts';
import { cloudInitUserData } from './cloud-init.ts';
import { guestMounts, guestUserName } from './guest-data.ts';
import type { VirtualMachine } from './kinds.ts';
import { sysprepAnswerFile, windowsComputerName } from './sysprep.ts';

/** Where KubeVirt keeps golden images (its common-templates' default namespace). */
export const GOLDEN_IMAGES_NAMESPACE = 'kubevirt-os-images';
export const BOOT_DISK = 'rootdisk';
export const BOOTSTRAP_DISK = 'bootstrap';
/** Keys KubeVirt reads from the bootstrap Secret. */
export const CLOUD_INIT_KEY = 'userdata';
export const SYSPREP_KEY = 'autounattend.xml';

/** The bootstrap Secret is the session's child name with this suffix. */
export const BOOTSTRAP_SUFFIX = 'boot';
export const bootstrapSecretName = (session: string) => `${childName(session)}-${BOOTSTRAP_SUFFIX}`;
export const bootDiskName = (session: string) => `${childName(session)}-disk`;

export type RunStrategy = 'Always' | 'Halted';

export interface VirtualMachineObjects {
  vm: VirtualMachine;
  /** The guest's bootstrap (user data or answer file with the session's password); none for bootstrap none. */
  bootstrap?: V1Secret;
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** The proposal's group name in a guest: the proposal id as a group name. */
export function guestGroup(proposal: string): string {
  const name = `p-${proposal.toLowerCase().replace(/[^a-z0-9_-]/g, '-')}`;
  return name.slice(0, 32);
}

export function generateVirtualMachine(
  input: WorkloadInput,
  runStrategy: RunStrategy = 'Always',
): Result<VirtualMachineObjects> {
  const { session, image, namespace, resources, machineName, credentials } = input;
  const vm = image.spec.vm;
  if (image.spec.runtime !== 'vm' || !vm)
    return refuse(
      'ImageNotContainer',
      'spec.image',
      `image ${image.metadata.name} is not a virtual machine image`,
    );
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(machineName) || machineName.length > 63)
    return refuse(
      'InvalidMachineName',
      'status.machineName',
      `machine name ${JSON.stringify(machineName)} is not a DNS label`,
    );
  const cores = Math.max(1, Math.ceil(quantityValue(resources.cpu) ?? 1));
  const name = childName(session.metadata.name);
  const disk = vm.disk;
  const persistent = disk.persistent;

  // The boot disk: a containerDisk boots a fresh copy each start; anything else is a DataVolume.
  const dataVolumeTemplates: Record<string, unknown>[] = [];
  let bootVolume: Record<string, unknown>;
  if (disk.containerDisk && !persistent) {
    bootVolume = { name: BOOT_DISK, containerDisk: { image: disk.containerDisk } };
  } else {
    if (resources.disk === undefined)
      return refuse(
        'ImageMisconfigured',
        'spec.resources.default.disk',
        `image ${image.metadata.name} copies its boot disk, so it must give a disk size`,
      );
    const source = disk.persistentVolumeClaim
      ? {
          pvc: {
            namespace: disk.persistentVolumeClaimNamespace ?? GOLDEN_IMAGES_NAMESPACE,
            name: disk.persistentVolumeClaim,
          },
        }
      : { registry: { url: `docker://${disk.containerDisk ?? ''}` } };
    const dvName = bootDiskName(session.metadata.name);
    dataVolumeTemplates.push({
      metadata: { name: dvName, labels: sessionLabels(session) },
      spec: { source, storage: { resources: { requests: { storage: resources.disk } } } },
    });
    bootVolume = { name: BOOT_DISK, dataVolume: { name: dvName } };
  }

  const disks: Record<string, unknown>[] = [
    { name: BOOT_DISK, bootOrder: 1, disk: { bus: vm.os === 'windows' ? 'sata' : 'virtio' } },
  ];
  const volumes: Record<string, unknown>[] = [bootVolume];
  let bootstrap: V1Secret | undefined;
  const bootstrapSecret = bootstrapSecretName(session.metadata.name);
  if (vm.bootstrap === 'cloudInit' || vm.bootstrap === 'sysprep') {
    const mounts = guestMounts(input);
    if (!mounts.ok) return mounts;
    const user = guestUserName(session.spec.owner);
    if (!user.ok) return user;
    let data: Record<string, string>;
    if (vm.bootstrap === 'cloudInit') {
      const identity = sessionIdentity(input);
      if (!identity.ok) return identity;
      const env: Record<string, string> = {};
      for (const e of operatorEnv(input)) if (e.value !== undefined) env[e.name] = e.value;
      data = {
        [CLOUD_INIT_KEY]: b64(
          cloudInitUserData({
            hostname: machineName,
            user: user.value,
            uid: identity.value.uid,
            gid: identity.value.gid,
            group: guestGroup(namespace.proposal),
            password: credentials.token,
            mounts: mounts.value,
            protocol: image.spec.access.protocol,
            port: image.spec.access.port,
            ...(credentials.vncPassword ? { vncPassword: credentials.vncPassword } : {}),
            env,
          }),
        ),
      };
      disks.push({ name: BOOTSTRAP_DISK, disk: { bus: 'virtio' } });
      volumes.push({ name: BOOTSTRAP_DISK, cloudInitNoCloud: { secretRef: { name: bootstrapSecret } } });
    } else {
      data = {
        [SYSPREP_KEY]: b64(
          sysprepAnswerFile({
            computerName: windowsComputerName(machineName),
            user: user.value,
            password: credentials.token,
            mounts: mounts.value,
          }),
        ),
      };
      disks.push({ name: BOOTSTRAP_DISK, cdrom: { bus: 'sata' } });
      volumes.push({ name: BOOTSTRAP_DISK, sysprep: { secret: { name: bootstrapSecret } } });
    }
    bootstrap = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: bootstrapSecret, namespace: namespace.name, labels: sessionLabels(session) },
      type: 'Opaque',
      data,
    };
  }

  const efi = vm.firmware === 'efi';
  const secureBoot = efi && vm.secureBoot;
  const access = image.spec.access;
  const devices: Record<string, unknown> = {
    disks,
    // Masquerade forwards only the declared ports into the guest: the access port, named by its
    // protocol (KubeVirt also lists it on the virt-launcher pod). Nothing else of the guest is reachable.
    interfaces: [
      {
        name: 'default',
        masquerade: {},
        ports: [{ name: access.protocol, port: access.port, protocol: 'TCP' }],
      },
    ],
    // The VM's graphics console (KubeVirt's VNC subresource) for admins; users reach the guest's own
    // remote-desktop service (docs/virtual-machines.md says why).
    autoattachGraphicsDevice: true,
  };
  if (resources.gpus > 0)
    devices['gpus'] = Array.from({ length: resources.gpus }, (_, i) => ({
      name: `gpu${String(i)}`,
      deviceName: resources.gpuResourceName,
    }));
  if (vm.tpm) devices['tpm'] = {};

  const object: VirtualMachine = {
    apiVersion: 'kubevirt.io/v1',
    kind: 'VirtualMachine',
    metadata: {
      name,
      namespace: namespace.name,
      labels: sessionLabels(session),
      annotations: sessionAnnotations(session),
    },
    spec: {
      runStrategy,
      ...(dataVolumeTemplates.length > 0 ? { dataVolumeTemplates } : {}),
      template: {
        metadata: { labels: sessionLabels(session), annotations: sessionAnnotations(session) },
        spec: {
          hostname: machineName,
          domain: {
            cpu: { cores },
            memory: { guest: resources.memory },
            resources: {
              requests: { cpu: resources.cpu, memory: resources.memory },
              limits: { cpu: resources.cpu, memory: resources.memory },
            },
            firmware: { bootloader: efi ? { efi: { secureBoot } } : { bios: {} } },
            // Secure boot needs System Management Mode.
            ...(secureBoot ? { features: { smm: { enabled: true } } } : {}),
            devices,
          },
          networks: [{ name: 'default', pod: {} }],
          volumes,
          ...placement(input),
        },
      },
    },
  };
  return { ok: true, value: { vm: object, ...(bootstrap ? { bootstrap } : {}) } };
}
