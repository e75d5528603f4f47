// The virt-controller SIMULATION's pure part: instances, launcher pods and statuses from a VM.
import { describe, expect, it } from 'vitest';
import type { VirtualMachine } from '../../../operator/sessions/workloads/vm/kinds.ts';
import {
  SIM_FAILURE_ANNOTATION,
  UNSCHEDULABLE_LABEL,
  instanceFor,
  instanceStatus,
  launcherPodFor,
  machineStatus,
  simulatedFailure,
} from './simulation.ts';

const now = '2026-12-01T12:00:00Z';

function vm(
  disk = 'quay.io/containerdisks/ubuntu:24.04',
  annotations: Record<string, string> = {},
): VirtualMachine {
  return {
    apiVersion: 'kubevirt.io/v1',
    kind: 'VirtualMachine',
    metadata: { name: 'daas-s', namespace: 'p', uid: 'vm-uid', annotations },
    spec: {
      runStrategy: 'Always',
      template: {
        metadata: { labels: { 'daas.calipsoplus.eu/session': 's' } },
        spec: {
          domain: {
            resources: { requests: { cpu: '4', memory: '8Gi' } },
            devices: { gpus: [{ deviceName: 'nvidia.com/gpu' }, { deviceName: 'nvidia.com/gpu' }] },
          },
          volumes: [{ name: 'rootdisk', containerDisk: { image: disk } }],
          nodeSelector: { 'nvidia.com/gpu.present': 'true' },
        },
      },
    },
  };
}

const scheduledPod = (phase: string, podIP?: string) => ({
  ...launcherPodFor(vm(), instanceFor(vm())),
  spec: { nodeName: 'kwok-gpu-1' },
  status: { phase, ...(podIP ? { podIP } : {}), conditions: [{ type: 'PodScheduled', status: 'True' }] },
});

describe('the virt-controller simulation', () => {
  it('makes an instance from the template, owned by the VM, with its labels', () => {
    const i = instanceFor(vm());
    expect(i.metadata.labels).toMatchObject({
      'daas.calipsoplus.eu/session': 's',
      'vm.kubevirt.io/name': 'daas-s',
    });
    expect(i.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'VirtualMachine',
      uid: 'vm-uid',
      controller: true,
    });
  });

  it("asks the scheduler for the guest's cpu, memory and GPUs on the VM's nodes", () => {
    const pod = launcherPodFor(vm(), instanceFor(vm()));
    expect(pod.spec).toMatchObject({
      nodeSelector: { 'nvidia.com/gpu.present': 'true' },
      containers: [{ resources: { requests: { cpu: '4', memory: '8Gi', 'nvidia.com/gpu': '2' } } }],
    });
    const nowhere = launcherPodFor(vm(), instanceFor(vm()), 'unschedulable');
    expect(nowhere.spec?.['nodeSelector']).toMatchObject({ [UNSCHEDULABLE_LABEL]: 'true' });
  });

  it("gives the launcher pod the guest's declared ports, hostname and bootstrap Secret, as KubeVirt does", () => {
    const m = vm();
    const spec = m.spec?.template?.spec as Record<string, unknown> & {
      domain: { devices: Record<string, unknown> };
      volumes: unknown[];
    };
    spec['hostname'] = 'zealous-hermann';
    spec.domain.devices['interfaces'] = [
      { name: 'default', masquerade: {}, ports: [{ name: 'vnc', port: 5901, protocol: 'TCP' }] },
    ];
    spec.volumes.push({ name: 'bootstrap', cloudInitNoCloud: { secretRef: { name: 'daas-s-boot' } } });
    const pod = launcherPodFor(m, instanceFor(m));
    expect(pod.spec).toMatchObject({
      hostname: 'zealous-hermann',
      containers: [{ ports: [{ name: 'vnc', containerPort: 5901, protocol: 'TCP' }] }],
      volumes: [{ name: 'bootstrap-udata', secret: { secretName: 'daas-s-boot' } }],
    });
  });

  it('takes the failure from the annotation, else from a documented fake disk', () => {
    expect(simulatedFailure(vm())).toBeUndefined();
    expect(simulatedFailure(vm(undefined, { [SIM_FAILURE_ANNOTATION]: 'unschedulable' }))).toBe(
      'unschedulable',
    );
    expect(simulatedFailure(vm('registry.invalid/daas/never-boots:1'))).toBe('no-boot');
    expect(simulatedFailure(vm('registry.invalid/daas/crashing-vm:1'))).toBe('crash-loop');
  });

  it('moves the instance Pending → Scheduled → Running at the pod address, Ready unless told not to boot', () => {
    const i = instanceFor(vm());
    expect(instanceStatus(i, undefined, undefined, now).phase).toBe('Pending');
    expect(instanceStatus(i, scheduledPod('Pending'), undefined, now)).toMatchObject({
      phase: 'Scheduled',
      nodeName: 'kwok-gpu-1',
    });
    const up = instanceStatus(i, scheduledPod('Running', '127.1.3.9'), undefined, now);
    expect(up).toMatchObject({ phase: 'Running', interfaces: [{ ipAddress: '127.1.3.9' }] });
    expect(up.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    const stuck = instanceStatus(i, scheduledPod('Running', '127.1.3.9'), 'no-boot', now);
    expect(stuck.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
  });

  it("writes the VM's printableStatus as virt-controller does", () => {
    const i = {
      ...instanceFor(vm()),
      status: instanceStatus(instanceFor(vm()), scheduledPod('Running', '127.1.3.9'), undefined, now),
    };
    expect(machineStatus(vm(), i, undefined)).toMatchObject({ printableStatus: 'Running', ready: true });
    const halted = { ...vm(), spec: { ...vm().spec, runStrategy: 'Halted' } };
    expect(machineStatus(halted, undefined, undefined).printableStatus).toBe('Stopped');
    expect(machineStatus(vm(), undefined, 'import-failure').printableStatus).toBe('DataVolumeError');
    const crashed = { ...i, status: { phase: 'Failed' } };
    expect(machineStatus(vm(), crashed, 'crash-loop')).toMatchObject({
      printableStatus: 'CrashLoopBackOff',
      startFailure: { consecutiveFailCount: 3 },
    });
  });
});
