// The virtual machine runtime of the workload seam: a session runs as one KubeVirt VirtualMachine,
// with its guest bootstrap in a Secret beside it (only while the VM may run), fenced by the image's
// NetworkPolicy. KubeVirt's virt-controller makes the VirtualMachineInstance from it; the runtime
// reads both for its diagnosis. A stopped session's persistent VM is halted in place (runStrategy
// Halted), keeping its disk; an ephemeral one is deleted.
import { CREDENTIALS_FINGERPRINT_ANNOTATION } from '../../../../crds/index.ts';
import { credentialsFingerprint } from '../../credentials.ts';
import { imageSettingsAnnotation } from '../../image-settings.ts';
import { NetworkPolicies, Secrets, type KubeObject } from '../../../../runtime/resources.ts';
import { generateNetworkPolicy } from '../container/networkpolicy.ts';
import type { Child, ObservedChild, WorkloadRuntime } from '../types.ts';
import { DEFAULT_BOOT_TIMEOUT_MS, diagnoseVirtualMachine } from './diagnosis.ts';
import { VirtualMachineInstances, VirtualMachines, type VirtualMachine } from './kinds.ts';
import { BOOTSTRAP_SUFFIX, generateVirtualMachine } from './virtual-machine.ts';

const asObject = (o: object) => o as KubeObject;

/** Marks a VM whose disk outlives a stop (read back when the session stops; the image may have changed). */
export const PERSISTENT_DISK_ANNOTATION = 'daas.calipsoplus.eu/persistent-disk';

export interface VmRuntimeSettings {
  bootTimeoutMs?: number;
}

/** The same VirtualMachine, halted: what a stopped session with a persistent disk keeps. Pure. */
export function haltedVirtualMachine(vm: VirtualMachine): VirtualMachine | undefined {
  if (vm.metadata.annotations?.[PERSISTENT_DISK_ANNOTATION] !== 'true' || vm.metadata.deletionTimestamp)
    return undefined;
  const { name, namespace, labels, annotations } = vm.metadata;
  return {
    apiVersion: 'kubevirt.io/v1',
    kind: 'VirtualMachine',
    metadata: { name, namespace, ...(labels ? { labels } : {}), annotations },
    spec: { ...vm.spec, runStrategy: 'Halted' },
  };
}

export function vmRuntime(settings: VmRuntimeSettings = {}): WorkloadRuntime {
  const bootTimeoutMs = settings.bootTimeoutMs ?? DEFAULT_BOOT_TIMEOUT_MS;
  const observedVm = (observed: ObservedChild): VirtualMachine | undefined => observed(VirtualMachines);
  return {
    runtime: 'vm',
    children: [
      // The image's policy, as for containers: KubeVirt copies the VM's template labels to its
      // virt-launcher pod, so only the gateway reaches the guest, on the access port.
      { type: NetworkPolicies, shared: true },
      { type: VirtualMachines },
      // Never written by the operator: virt-controller makes it (with the session's labels from the
      // template), and the operator reads it for the VM's phase, node and address.
      { type: VirtualMachineInstances },
    ],

    desired(input) {
      const built = generateVirtualMachine(input);
      if (!built.ok) return built;
      const { vm, bootstrap } = built.value;
      vm.metadata.annotations = {
        ...vm.metadata.annotations,
        [CREDENTIALS_FINGERPRINT_ANNOTATION]: credentialsFingerprint(input.credentials),
        ...imageSettingsAnnotation(input.image),
        ...(input.image.spec.vm?.disk.persistent ? { [PERSISTENT_DISK_ANNOTATION]: 'true' } : {}),
      };
      const children: Child[] = [{ type: NetworkPolicies, object: asObject(generateNetworkPolicy(input)) }];
      if (bootstrap) children.push({ type: Secrets, object: asObject(bootstrap) });
      children.push({ type: VirtualMachines, object: asObject(vm) });
      return { ok: true, value: children };
    },

    diagnose(observed, now, diagnosis) {
      return diagnoseVirtualMachine(observedVm(observed), observed(VirtualMachineInstances), now, {
        bootTimeoutMs,
        imagePullGraceMs: diagnosis.imagePullGraceMs,
      });
    },

    halt(observed) {
      const vm = observedVm(observed);
      const halted = vm && haltedVirtualMachine(vm);
      return halted ? [{ type: VirtualMachines, object: asObject(halted) }] : [];
    },

    // The bootstrap Secret goes whenever the VM must not run (stopped, failed, expired): it holds the
    // password in clear, and KubeVirt reads it only when an instance starts. A resume writes it again
    // before it sets the VM running (desired() lists it first).
    cleanup(observed) {
      const vm = observedVm(observed);
      const bootstrap = observed(Secrets, BOOTSTRAP_SUFFIX);
      return [
        ...(vm ? [{ type: VirtualMachines, object: asObject(vm) }] : []),
        ...(bootstrap ? [{ type: Secrets, object: bootstrap }] : []),
      ];
    },
  };
}
