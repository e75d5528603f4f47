// SIMULATION of KubeVirt's virt-controller for the local control plane, pure part: what it makes of a
// VirtualMachine. No hypervisor runs here, so a VM becomes a VirtualMachineInstance plus a
// virt-launcher Pod with the VM's cpu, memory and GPUs, which the real kube-scheduler places and kwok
// "runs" with an address from its node's loopback podCIDR; the instance takes that address and its
// phases (Pending → Scheduling → Scheduled → Running, Ready) from the pod, and the VM's
// printableStatus and Ready from the instance, as virt-controller writes them. runStrategy Halted
// removes the instance. A VM with accessCredentials gets the instance condition
// AccessCredentialsSynchronized, True once every Secret they name holds an entry (no guest agent runs
// here: the simulation cannot prove that a guest takes them). Failures a test (or the demo) asks for, by annotation on the VM or by a
// documented fake disk image:
//   unschedulable   the launcher pod asks for a node label no node has (the scheduler says so)
//   import-failure  the boot disk cannot be imported: printableStatus DataVolumeError, no instance
//                   (disk image registry.invalid/daas/disk-import-fails:1)
//   crash-loop      the instance fails each time it starts: printableStatus CrashLoopBackOff with
//                   startFailure counting (disk image registry.invalid/daas/crashing-vm:1)
//   no-boot         the instance runs but its guest never becomes Ready
//                   (disk image registry.invalid/daas/never-boots:1)
import type { KubeObject } from '../../../runtime/resources.ts';
import type {
  KubeVirtCondition,
  VirtualMachine,
  VirtualMachineInstance,
  VirtualMachineStatus,
} from '../../../operator/sessions/workloads/vm/kinds.ts';

export const SIM_FAILURE_ANNOTATION = 'kubevirt-sim.daas.calipsoplus.eu/fail';
export const UNSCHEDULABLE_LABEL = 'kubevirt-sim.daas.calipsoplus.eu/no-such-node';
export const LAUNCHER_LABEL = 'kubevirt.io';
export const VM_NAME_LABEL = 'vm.kubevirt.io/name';
/** The launcher pod's volume of a guest's bootstrap Secret is the VM volume's name with this suffix. */
export const BOOTSTRAP_VOLUME_SUFFIX = '-udata';
export const LAUNCHER_IMAGE = 'quay.io/kubevirt/virt-launcher:v1.7.0';

export type SimulatedFailure = 'unschedulable' | 'import-failure' | 'crash-loop' | 'no-boot';
const FAILURES: readonly string[] = ['unschedulable', 'import-failure', 'crash-loop', 'no-boot'];

/** The documented fake disk images and the failure each one simulates. */
export const FAKE_DISKS: Record<string, SimulatedFailure> = {
  'registry.invalid/daas/disk-import-fails:1': 'import-failure',
  'registry.invalid/daas/crashing-vm:1': 'crash-loop',
  'registry.invalid/daas/never-boots:1': 'no-boot',
};

type Pod = KubeObject & {
  spec?: Record<string, unknown>;
  status?: {
    phase?: string;
    podIP?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
};

interface TemplateSpec {
  hostname?: string;
  domain?: {
    resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
    devices?: {
      gpus?: { deviceName?: string }[];
      interfaces?: { ports?: { name?: string; port: number; protocol?: string }[] }[];
    };
  };
  volumes?: {
    name: string;
    containerDisk?: { image?: string };
    cloudInitNoCloud?: { secretRef?: { name?: string } };
    sysprep?: { secret?: { name?: string } };
  }[];
  nodeSelector?: Record<string, string>;
  tolerations?: unknown[];
  priorityClassName?: string;
}

const templateSpec = (vm: VirtualMachine) => (vm.spec?.template?.spec ?? {}) as TemplateSpec;

/** The failure a VM asks to simulate: its annotation first, else its fake disk image. */
export function simulatedFailure(vm: VirtualMachine): SimulatedFailure | undefined {
  const asked = vm.metadata.annotations?.[SIM_FAILURE_ANNOTATION];
  if (asked && FAILURES.includes(asked)) return asked as SimulatedFailure;
  const images = [
    ...(templateSpec(vm).volumes ?? []).map((v) => v.containerDisk?.image),
    ...(
      (vm.spec?.['dataVolumeTemplates'] ?? []) as { spec?: { source?: { registry?: { url?: string } } } }[]
    ).map((t) => t.spec?.source?.registry?.url?.replace(/^docker:\/\//, '')),
  ];
  for (const image of images) if (image && FAKE_DISKS[image]) return FAKE_DISKS[image];
  return undefined;
}

const controllerRef = (owner: KubeObject) => ({
  apiVersion: owner.apiVersion ?? 'kubevirt.io/v1',
  kind: owner.kind ?? '',
  name: owner.metadata.name ?? '',
  uid: owner.metadata.uid ?? '',
  controller: true,
  blockOwnerDeletion: true,
});

/** The instance virt-controller creates for a running VM: its template, owned by the VM. */
export function instanceFor(vm: VirtualMachine): VirtualMachineInstance {
  const template = vm.spec?.template;
  return {
    apiVersion: 'kubevirt.io/v1',
    kind: 'VirtualMachineInstance',
    metadata: {
      name: vm.metadata.name,
      namespace: vm.metadata.namespace,
      labels: { ...template?.metadata?.labels, [VM_NAME_LABEL]: vm.metadata.name ?? '' },
      ...(template?.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
      ownerReferences: [controllerRef(vm)],
    },
    ...({ spec: template?.spec ?? {} } as object),
  };
}

/** The launcher pod's name (virt-controller uses generateName; a fixed name keeps the stand-in idempotent). */
export const launcherName = (vmName: string) => `virt-launcher-${vmName}`.slice(0, 63).replace(/-+$/, '');

/** The virt-launcher pod: what the scheduler must place for the instance (the guest's cpu, memory, GPUs). */
export function launcherPodFor(
  vm: VirtualMachine,
  vmi: VirtualMachineInstance,
  failure?: SimulatedFailure,
): Pod {
  const spec = templateSpec(vm);
  const requests: Record<string, string> = { ...spec.domain?.resources?.requests };
  for (const gpu of spec.domain?.devices?.gpus ?? [])
    if (gpu.deviceName) requests[gpu.deviceName] = String(Number(requests[gpu.deviceName] ?? 0) + 1);
  const nodeSelector = {
    ...spec.nodeSelector,
    ...(failure === 'unschedulable' ? { [UNSCHEDULABLE_LABEL]: 'true' } : {}),
  };
  // As KubeVirt's template service: the interfaces' declared ports become the compute container's,
  // and the guest's bootstrap Secret is mounted into the pod (virt-launcher builds the
  // cloud-init or sysprep disk from it).
  const ports = (spec.domain?.devices?.interfaces ?? []).flatMap((i) =>
    (i.ports ?? []).map((p) => ({
      ...(p.name ? { name: p.name } : {}),
      containerPort: p.port,
      protocol: p.protocol ?? 'TCP',
    })),
  );
  const secretVolumes = (spec.volumes ?? []).flatMap((v) => {
    const secretName = v.cloudInitNoCloud?.secretRef?.name ?? v.sysprep?.secret?.name;
    return secretName ? [{ name: `${v.name}${BOOTSTRAP_VOLUME_SUFFIX}`, secret: { secretName } }] : [];
  });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: launcherName(vm.metadata.name ?? ''),
      namespace: vm.metadata.namespace,
      // As KubeVirt does: the instance's labels (the session's), so its NetworkPolicy selects the pod.
      labels: {
        ...vmi.metadata.labels,
        [LAUNCHER_LABEL]: 'virt-launcher',
        [VM_NAME_LABEL]: vm.metadata.name ?? '',
      },
      ...(vmi.metadata.annotations ? { annotations: { ...vmi.metadata.annotations } } : {}),
      ownerReferences: [controllerRef(vmi)],
    },
    spec: {
      ...(spec.hostname ? { hostname: spec.hostname } : {}),
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, runAsUser: 107, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'compute',
          image: LAUNCHER_IMAGE,
          resources: { requests, limits: requests },
          ...(ports.length > 0 ? { ports } : {}),
          ...(secretVolumes.length > 0
            ? {
                volumeMounts: secretVolumes.map((v) => ({
                  name: v.name,
                  mountPath: `/var/run/kubevirt-private/secret/${v.name}`,
                  readOnly: true,
                })),
              }
            : {}),
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        },
      ],
      ...(Object.keys(nodeSelector).length > 0 ? { nodeSelector } : {}),
      ...(secretVolumes.length > 0 ? { volumes: secretVolumes } : {}),
      ...(spec.tolerations ? { tolerations: spec.tolerations } : {}),
      ...(spec.priorityClassName ? { priorityClassName: spec.priorityClassName } : {}),
    },
  };
}

type InstanceStatus = NonNullable<VirtualMachineInstance['status']>;

function transition(
  previous: InstanceStatus | undefined,
  phase: string,
  now: string,
): InstanceStatus['phaseTransitionTimestamps'] {
  const list = [...(previous?.phaseTransitionTimestamps ?? [])];
  if (!list.some((p) => p.phase === phase)) list.push({ phase, phaseTransitionTimestamp: now });
  return list;
}

/** The Secrets a VM's accessCredentials name (propagated by the guest agent when they change). */
export function accessCredentialSecrets(vm: VirtualMachine): string[] {
  const spec = vm.spec?.template?.spec as
    | {
        accessCredentials?: {
          userPassword?: { source?: { secret?: { secretName?: string } } };
          sshPublicKey?: { source?: { secret?: { secretName?: string } } };
        }[];
      }
    | undefined;
  return (spec?.accessCredentials ?? [])
    .map((c) => (c.userPassword ?? c.sshPublicKey)?.source?.secret?.secretName)
    .filter((n): n is string => Boolean(n));
}

/**
 * The guest agent's verdict on the access credentials, as virt-handler reports it in the VMI condition
 * AccessCredentialsSynchronized: applied when every named Secret holds an entry (SIMULATED: no guest
 * runs; a real agent can only set passwords of users the guest has), else not yet.
 */
export type CredentialsState = 'synchronized' | 'waiting';

/** The instance's status from its launcher pod (and the failure asked for), as virt-handler reports it. */
export function instanceStatus(
  vmi: VirtualMachineInstance,
  pod: Pod | undefined,
  failure: SimulatedFailure | undefined,
  now: string,
  credentials?: CredentialsState,
  /** How long a started guest takes to become Ready (a simulated boot; 0: at once). */
  guestBootMs = 0,
): InstanceStatus {
  const previous = vmi.status;
  const scheduled = pod?.status?.conditions?.find((c) => c.type === 'PodScheduled');
  const nodeName = (pod?.spec?.['nodeName'] as string | undefined) ?? undefined;
  if (!pod || !scheduled)
    return { phase: 'Pending', phaseTransitionTimestamps: transition(previous, 'Pending', now) };
  if (scheduled.status !== 'True')
    return {
      phase: 'Scheduling',
      conditions: [
        {
          type: 'PodScheduled',
          status: 'False',
          ...(scheduled.reason ? { reason: scheduled.reason } : {}),
          ...(scheduled.message ? { message: scheduled.message } : {}),
        },
      ],
      phaseTransitionTimestamps: transition(previous, 'Scheduling', now),
    };
  if (pod.status?.phase !== 'Running' || !pod.status.podIP)
    return {
      phase: 'Scheduled',
      ...(nodeName ? { nodeName } : {}),
      conditions: [{ type: 'PodScheduled', status: 'True' }],
      phaseTransitionTimestamps: transition(previous, 'Scheduled', now),
    };
  if (failure === 'crash-loop')
    return {
      phase: 'Failed',
      ...(nodeName ? { nodeName } : {}),
      conditions: [{ type: 'Ready', status: 'False', reason: 'GuestCrashed', message: 'the guest crashed' }],
      phaseTransitionTimestamps: transition(previous, 'Failed', now),
    };
  const runningSince = transition(previous, 'Running', now)?.find((p) => p.phase === 'Running');
  const booting =
    guestBootMs > 0 &&
    Date.parse(now) - Date.parse(runningSince?.phaseTransitionTimestamp ?? now) < guestBootMs;
  const ready: KubeVirtCondition = booting
    ? { type: 'Ready', status: 'False', reason: 'GuestBooting', message: 'the guest is booting (simulated)' }
    : failure === 'no-boot'
      ? {
          type: 'Ready',
          status: 'False',
          reason: 'GuestNotReady',
          message: 'the guest has not reported ready',
        }
      : { type: 'Ready', status: 'True' };
  const synced: KubeVirtCondition[] =
    credentials === undefined
      ? []
      : [
          credentials === 'synchronized'
            ? { type: 'AccessCredentialsSynchronized', status: 'True' }
            : {
                type: 'AccessCredentialsSynchronized',
                status: 'False',
                reason: 'NoCredentials',
                message: 'the access credentials Secret holds no user yet',
              },
        ];
  return {
    phase: 'Running',
    ...(nodeName ? { nodeName } : {}),
    conditions: [{ type: 'PodScheduled', status: 'True' }, ready, ...synced],
    interfaces: [{ name: 'default', ipAddress: pod.status.podIP, ipAddresses: [pod.status.podIP] }],
    phaseTransitionTimestamps: transition(previous, 'Running', now),
  };
}

/** The VM's status from its instance, as virt-controller writes it (printableStatus, ready, conditions). */
export function machineStatus(
  vm: VirtualMachine,
  vmi: VirtualMachineInstance | undefined,
  failure: SimulatedFailure | undefined,
): VirtualMachineStatus {
  const halted = vm.spec?.runStrategy === 'Halted';
  if (halted)
    return vmi ? { printableStatus: 'Stopping', ready: false } : { printableStatus: 'Stopped', ready: false };
  if (failure === 'import-failure')
    return {
      printableStatus: 'DataVolumeError',
      ready: false,
      conditions: [
        {
          type: 'Failure',
          status: 'True',
          reason: 'DataVolumeError',
          message: `DataVolume ${(vm.spec?.['dataVolumeTemplates'] as { metadata?: { name?: string } }[] | undefined)?.[0]?.metadata?.name ?? 'rootdisk'} import failed: Unable to connect to http data source: expected status code 200, got 404. Status: 404 Not Found`,
        },
      ],
    };
  const phase = vmi?.status?.phase;
  const scheduling = vmi?.status?.conditions?.find((c) => c.type === 'PodScheduled');
  const ready =
    vmi?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' && phase === 'Running';
  const printableStatus =
    failure === 'crash-loop' && phase === 'Failed'
      ? 'CrashLoopBackOff'
      : scheduling?.status === 'False' && scheduling.reason === 'Unschedulable'
        ? 'ErrorUnschedulable'
        : phase === 'Running'
          ? 'Running'
          : 'Starting';
  const conditions: KubeVirtCondition[] = [
    ready
      ? { type: 'Ready', status: 'True' }
      : {
          type: 'Ready',
          status: 'False',
          reason: vmi ? 'GuestNotReady' : 'VMINotExists',
          message: vmi ? 'the guest is not ready' : 'VMI does not exist',
        },
  ];
  if (printableStatus === 'ErrorUnschedulable' && scheduling)
    conditions.push({
      type: 'Failure',
      status: 'True',
      reason: 'Unschedulable',
      ...(scheduling.message ? { message: scheduling.message } : {}),
    });
  return {
    printableStatus,
    ready,
    conditions,
    ...(printableStatus === 'CrashLoopBackOff' ? { startFailure: { consecutiveFailCount: 3 } } : {}),
  };
}
