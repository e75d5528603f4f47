// What a session's virtual machine is doing, in plain words, from the VirtualMachine's
// printableStatus and the VirtualMachineInstance's phase and conditions (as KubeVirt's
// virt-controller writes them): unschedulable (which resource), a boot disk that cannot be imported,
// a crash loop, a guest that does not boot in time. Fails fast on what waiting will not fix.
import type { V1Pod } from '@kubernetes/client-node';
import { OWNER_ANNOTATION, type SessionReason } from '../../../../crds/index.ts';
import { formatWait } from '../../../../runtime/duration.ts';
import { unschedulable } from '../container/diagnosis.ts';
import type { WorkloadDiagnosis } from '../types.ts';
import { guestUserName } from './guest-data.ts';
import type { KubeVirtCondition, VirtualMachine, VirtualMachineInstance } from './kinds.ts';

export interface VmDiagnosisSettings {
  /** How long a started guest may take to become ready before the session fails. */
  bootTimeoutMs: number;
  /** How long a containerDisk may fail to pull before the session fails. */
  imagePullGraceMs: number;
  /** Failed starts in a row that make a crash loop. */
  crashLoopStarts?: number;
}

export const DEFAULT_BOOT_TIMEOUT_MS = 600_000;
const DEFAULT_CRASH_LOOP_STARTS = 3;

/** printableStatus values that mean the boot disk cannot be made. */
const DISK_FAILURES = new Set(['DataVolumeError', 'ErrorPvcNotFound', 'ErrorDataVolumeNotFound']);
const PULL_FAILURES = new Set(['ErrImagePull', 'ImagePullBackOff']);

function condition(list: KubeVirtCondition[] | undefined, type: string): KubeVirtCondition | undefined {
  return list?.find((c) => c.type === type);
}

function said(who: string, c: KubeVirtCondition | undefined, fallback = ''): string {
  const words = [c?.reason, c?.message].filter(Boolean).join(': ') || fallback;
  return words ? ` ${who}: ${words.replace(/\.?\s*$/, '.')}` : '';
}

function toDate(v: string | Date | undefined): Date | undefined {
  if (v === undefined) return undefined;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function phaseSince(vmi: VirtualMachineInstance, phase: string): Date | undefined {
  const t = vmi.status?.phaseTransitionTimestamps?.find((p) => p.phase === phase)?.phaseTransitionTimestamp;
  return toDate(t);
}

/** The launcher pod's requests, as the scheduler saw them, so a refusal names the amounts. */
function requestsAsPod(vm: VirtualMachine): V1Pod {
  const spec = vm.spec?.template?.spec as
    | {
        domain?: {
          resources?: { requests?: Record<string, string> };
          devices?: { gpus?: { deviceName?: string }[] };
        };
      }
    | undefined;
  const requests: Record<string, string> = { ...spec?.domain?.resources?.requests };
  for (const gpu of spec?.domain?.devices?.gpus ?? []) {
    if (!gpu.deviceName) continue;
    requests[gpu.deviceName] = String(Number(requests[gpu.deviceName] ?? 0) + 1);
  }
  return { spec: { containers: [{ name: 'compute', resources: { requests } }] } };
}

/** The guest user cloud-init or sysprep made for the session's owner (named on the VM), if any. */
function guestLogin(vm: VirtualMachine): { login?: string } {
  const owner = vm.metadata.annotations?.[OWNER_ANNOTATION];
  const user = owner ? guestUserName(owner) : undefined;
  return user?.ok ? { login: user.value } : {};
}

function failed(reason: SessionReason, message: string): WorkloadDiagnosis {
  return { state: 'Failed', reason, message };
}

export function diagnoseVirtualMachine(
  vm: VirtualMachine | undefined,
  vmi: VirtualMachineInstance | undefined,
  now: Date,
  settings: VmDiagnosisSettings,
): WorkloadDiagnosis {
  if (!vm) return { state: 'Absent' };
  if (vm.metadata.deletionTimestamp)
    return { state: 'Pending', reason: 'Stopping', message: 'The virtual machine is being removed.' };
  const live = vmi && !vmi.metadata.deletionTimestamp ? vmi : undefined;
  if (vm.spec?.runStrategy === 'Halted') {
    // Halted and shut down: nothing runs (its disk is kept), which the session sees as absent.
    return live && !['Succeeded', 'Failed'].includes(live.status?.phase ?? '')
      ? { state: 'Pending', reason: 'Stopping', message: 'The virtual machine is shutting down.' }
      : { state: 'Absent' };
  }
  const status = vm.status ?? {};
  const printable = status.printableStatus ?? '';
  const failure = condition(status.conditions, 'Failure');
  const kubevirt = (c: KubeVirtCondition | undefined, fallback = printable) => said('KubeVirt', c, fallback);

  if (DISK_FAILURES.has(printable) || condition(status.conditions, 'DataVolumesReady')?.reason === 'Failed')
    return failed(
      'DiskImportFailed',
      `The virtual machine's boot disk could not be imported or cloned.${kubevirt(failure ?? condition(status.conditions, 'DataVolumesReady'))}`,
    );
  if (PULL_FAILURES.has(printable)) {
    const since = toDate(vmi?.metadata.creationTimestamp) ?? toDate(vm.metadata.creationTimestamp) ?? now;
    const deadline = new Date(since.getTime() + settings.imagePullGraceMs);
    if (now >= deadline)
      return failed(
        'DiskImportFailed',
        `The virtual machine's disk image could not be pulled within ${formatWait(settings.imagePullGraceMs)}: check the image's containerDisk and that its registry is reachable.${kubevirt(failure)}`,
      );
    return {
      state: 'Pending',
      reason: 'ImportingDisk',
      message: `The virtual machine's disk image cannot be pulled yet; the node keeps trying.${kubevirt(failure)}`,
      recheckAt: deadline,
    };
  }
  const fails = status.startFailure?.consecutiveFailCount ?? 0;
  if (printable === 'CrashLoopBackOff' || fails >= (settings.crashLoopStarts ?? DEFAULT_CRASH_LOOP_STARTS))
    return failed(
      'CrashLoop',
      `The virtual machine keeps stopping right after it starts (${String(Math.max(fails, 1))} failed starts in a row).${kubevirt(failure)}`,
    );
  const podScheduled = condition(live?.status?.conditions, 'PodScheduled');
  if (
    printable === 'ErrorUnschedulable' ||
    (podScheduled?.status === 'False' && podScheduled.reason === 'Unschedulable')
  ) {
    const d = unschedulable(requestsAsPod(vm), podScheduled?.message ?? failure?.message ?? '');
    if (d.state === 'Unschedulable')
      return { ...d, message: d.message.replace(/this session/g, 'this virtual machine') };
  }
  if (printable === 'Provisioning' || printable === 'WaitingForVolumeBinding')
    return {
      state: 'Pending',
      reason: 'ImportingDisk',
      message: `Copying the virtual machine's boot disk.${kubevirt(condition(status.conditions, 'DataVolumesReady'), '')}`,
    };
  if (!live) return { state: 'Pending', reason: 'Scheduling', message: 'Starting the virtual machine.' };

  const phase = live.status?.phase ?? 'Pending';
  const node = live.status?.nodeName;
  switch (phase) {
    case 'Pending':
    case 'Scheduling':
      return {
        state: 'Pending',
        reason: 'Scheduling',
        message: 'Looking for a node for the virtual machine.',
      };
    case 'Scheduled':
      return {
        state: 'Pending',
        reason: 'Booting',
        message: `The virtual machine is starting on node ${node ?? ''}.`,
      };
    case 'Failed':
    case 'Succeeded':
      return {
        state: 'Pending',
        reason: 'Booting',
        message: `The virtual machine ${phase === 'Failed' ? 'stopped unexpectedly' : 'shut down'}; KubeVirt starts it again.`,
      };
  }
  const runningSince = phaseSince(live, 'Running') ?? toDate(live.metadata.creationTimestamp) ?? now;
  const ready = condition(live.status?.conditions, 'Ready')?.status === 'True';
  const address = live.status?.interfaces?.find((i) => i.ipAddress)?.ipAddress;
  if (ready && address)
    return {
      state: 'Running',
      ready: true,
      address,
      ...guestLogin(vm),
      ...(node ? { nodeName: node } : {}),
      startedAt: runningSince,
      message: 'The virtual machine is running.',
    };
  const deadline = new Date(runningSince.getTime() + settings.bootTimeoutMs);
  if (now >= deadline)
    return failed(
      'GuestNotBooting',
      `The virtual machine started on node ${node ?? ''} but its guest did not become ready within ${formatWait(settings.bootTimeoutMs)}: the disk may not be bootable, or the guest hangs at boot.${kubevirt(condition(live.status?.conditions, 'Ready'), '')}`,
    );
  return {
    state: 'Pending',
    reason: 'Booting',
    message: `The guest operating system is booting on node ${node ?? ''}.`,
    recheckAt: deadline,
  };
}
