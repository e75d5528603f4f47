import { describe, expect, it } from 'vitest';
import {
  NetworkPolicies,
  Secrets,
  type KubeObject,
  type ResourceType,
} from '../../../../runtime/resources.ts';
import { VirtualMachines, type VirtualMachine } from './kinds.ts';
import { PERSISTENT_DISK_ANNOTATION, haltedVirtualMachine, vmRuntime } from './runtime.ts';
import { ubuntuVm, vmInput, windowsVm } from './vm-fixtures.ts';

const runtime = vmRuntime();

function desiredVm(input = vmInput()): VirtualMachine {
  const result = runtime.desired(input);
  if (!result.ok) throw new Error(result.error.message);
  expect(result.value.map((c) => c.type)).toEqual([NetworkPolicies, Secrets, VirtualMachines]);
  return result.value[2]?.object as VirtualMachine;
}

const observing =
  (vm: KubeObject | undefined) =>
  (type: ResourceType): KubeObject | undefined =>
    type === VirtualMachines ? vm : undefined;

describe('the VM runtime', () => {
  it('fences the guest with the image policy: only the gateway, on the access port', () => {
    const result = runtime.desired(vmInput());
    const policy = result.ok ? result.value[0]?.object : undefined;
    expect(policy).toMatchObject({
      kind: 'NetworkPolicy',
      spec: {
        podSelector: { matchLabels: { 'daas.calipsoplus.eu/image': 'ubuntu-vm' } },
        ingress: [{ ports: [{ port: 3389 }] }],
      },
    });
  });

  it('halts a persistent VM in place on stop, keeping its spec and disk', () => {
    const vm = desiredVm(vmInput(windowsVm));
    expect(vm.metadata.annotations?.[PERSISTENT_DISK_ANNOTATION]).toBe('true');
    const halted = runtime.halt?.(
      observing({ ...vm, metadata: { ...vm.metadata, uid: 'u', resourceVersion: '9' } }),
    );
    expect(halted).toHaveLength(1);
    const object = halted?.[0]?.object as VirtualMachine;
    expect(object.spec?.runStrategy).toBe('Halted');
    expect(object.spec?.['dataVolumeTemplates']).toEqual(vm.spec?.['dataVolumeTemplates']);
    expect(object.metadata).not.toHaveProperty('resourceVersion');
  });

  it('deletes an ephemeral VM on stop instead', () => {
    const vm = desiredVm(vmInput(ubuntuVm));
    expect(haltedVirtualMachine(vm)).toBeUndefined();
    expect(runtime.halt?.(observing(vm))).toEqual([]);
    expect(runtime.cleanup(observing(vm))).toEqual([{ type: VirtualMachines, object: vm }]);
  });

  it('removes the bootstrap Secret (the password in clear) whenever the VM must not run', () => {
    const built = runtime.desired(vmInput(windowsVm));
    const [, boot, vm] = built.ok ? built.value.map((c) => c.object) : [];
    expect(boot?.metadata.name).toBe('daas-beam-vm-boot');
    const observed = (type: ResourceType, suffix?: string): KubeObject | undefined =>
      type === VirtualMachines ? vm : type === Secrets && suffix === 'boot' ? boot : undefined;
    // Halted in place, and the Secret goes (the workload step deletes what cleanup lists and halt does not keep).
    expect(runtime.halt?.(observed).map((c) => c.type)).toEqual([VirtualMachines]);
    expect(runtime.cleanup(observed)).toEqual([
      { type: VirtualMachines, object: vm },
      { type: Secrets, object: boot },
    ]);
  });
});
