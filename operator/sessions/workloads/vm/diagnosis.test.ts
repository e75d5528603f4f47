import { describe, expect, it } from 'vitest';
import { diagnoseVirtualMachine } from './diagnosis.ts';
import type { VirtualMachine, VirtualMachineInstance } from './kinds.ts';

const now = new Date('2026-12-01T12:00:00Z');
const settings = { bootTimeoutMs: 600_000, imagePullGraceMs: 120_000 };
const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();

function vm(status: VirtualMachine['status'] = {}, runStrategy = 'Always'): VirtualMachine {
  return {
    apiVersion: 'kubevirt.io/v1',
    kind: 'VirtualMachine',
    metadata: { name: 'daas-s', namespace: 'p', creationTimestamp: ago(60_000) },
    spec: {
      runStrategy,
      template: {
        spec: {
          domain: {
            resources: { requests: { cpu: '4', memory: '600Gi' } },
            devices: { gpus: [{ name: 'gpu0', deviceName: 'nvidia.com/gpu' }] },
          },
        },
      },
    },
    status,
  };
}

function vmi(status: VirtualMachineInstance['status']): VirtualMachineInstance {
  return {
    apiVersion: 'kubevirt.io/v1',
    kind: 'VirtualMachineInstance',
    metadata: { name: 'daas-s', namespace: 'p', creationTimestamp: ago(60_000) },
    status,
  };
}

const running = (ready: boolean, since: number) =>
  vmi({
    phase: 'Running',
    nodeName: 'kwok-cpu-1',
    conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
    interfaces: [{ name: 'default', ipAddress: '127.1.1.7' }],
    phaseTransitionTimestamps: [{ phase: 'Running', phaseTransitionTimestamp: ago(since) }],
  });

describe('diagnoseVirtualMachine', () => {
  it('says Absent without a VM, and for a halted VM that has shut down', () => {
    expect(diagnoseVirtualMachine(undefined, undefined, now, settings)).toEqual({ state: 'Absent' });
    expect(
      diagnoseVirtualMachine(vm({ printableStatus: 'Stopped' }, 'Halted'), undefined, now, settings),
    ).toEqual({
      state: 'Absent',
    });
    expect(diagnoseVirtualMachine(vm({}, 'Halted'), running(true, 1000), now, settings)).toMatchObject({
      state: 'Pending',
      reason: 'Stopping',
    });
  });

  it('is Running at the instance address once the guest is ready', () => {
    expect(
      diagnoseVirtualMachine(vm({ printableStatus: 'Running' }), running(true, 5000), now, settings),
    ).toEqual({
      state: 'Running',
      ready: true,
      address: '127.1.1.7',
      nodeName: 'kwok-cpu-1',
      startedAt: new Date(ago(5000)),
      message: 'The virtual machine is running.',
    });
  });

  it("names the guest user made for the VM's owner, so a remote-desktop client logs in as it", () => {
    const owned = vm({ printableStatus: 'Running' });
    owned.metadata.annotations = { 'daas.calipsoplus.eu/owner': 'A.Kowalska@esrf.fr' };
    expect(diagnoseVirtualMachine(owned, running(true, 5000), now, settings)).toMatchObject({
      state: 'Running',
      login: 'a_kowalska',
    });
  });

  it('waits for a booting guest until the boot timeout, then fails in plain words', () => {
    const booting = diagnoseVirtualMachine(
      vm({ printableStatus: 'Running' }),
      running(false, 60_000),
      now,
      settings,
    );
    expect(booting).toMatchObject({
      state: 'Pending',
      reason: 'Booting',
      recheckAt: new Date(ago(60_000 - 600_000)),
    });
    const stuck = diagnoseVirtualMachine(
      vm({ printableStatus: 'Running' }),
      running(false, 600_000),
      now,
      settings,
    );
    expect(stuck).toMatchObject({ state: 'Failed', reason: 'GuestNotBooting' });
    expect(stuck.state === 'Failed' && stuck.message).toContain(
      'The virtual machine started on node kwok-cpu-1 but its guest did not become ready within 10 minutes',
    );
  });

  it('names the resource no node has, with the amount the VM asks for', () => {
    const d = diagnoseVirtualMachine(
      vm({ printableStatus: 'ErrorUnschedulable' }),
      vmi({
        phase: 'Scheduling',
        conditions: [
          {
            type: 'PodScheduled',
            status: 'False',
            reason: 'Unschedulable',
            message: '0/3 nodes are available: 3 Insufficient memory.',
          },
        ],
      }),
      now,
      settings,
    );
    expect(d).toMatchObject({ state: 'Unschedulable', shortResources: ['memory'] });
    expect(d.state === 'Unschedulable' && d.message).toContain(
      'No node has 600 GiB of free memory for this virtual machine.',
    );
  });

  it('fails at once when the boot disk cannot be imported, with what KubeVirt said', () => {
    const d = diagnoseVirtualMachine(
      vm({
        printableStatus: 'DataVolumeError',
        conditions: [{ type: 'Failure', status: 'True', reason: 'DataVolumeError', message: 'got 404' }],
      }),
      undefined,
      now,
      settings,
    );
    expect(d).toEqual({
      state: 'Failed',
      reason: 'DiskImportFailed',
      message:
        "The virtual machine's boot disk could not be imported or cloned. KubeVirt: DataVolumeError: got 404.",
    });
  });

  it('gives a containerDisk that cannot be pulled the image-pull grace, then fails', () => {
    const early = diagnoseVirtualMachine(
      vm({ printableStatus: 'ImagePullBackOff' }),
      undefined,
      new Date(ago(0)),
      {
        ...settings,
        imagePullGraceMs: 120_000,
      },
    );
    expect(early).toMatchObject({ state: 'Pending', reason: 'ImportingDisk' });
    const late = diagnoseVirtualMachine(vm({ printableStatus: 'ImagePullBackOff' }), undefined, now, {
      ...settings,
      imagePullGraceMs: 30_000,
    });
    expect(late).toMatchObject({ state: 'Failed', reason: 'DiskImportFailed' });
  });

  it('fails a crash loop from printableStatus or from the count of failed starts', () => {
    expect(
      diagnoseVirtualMachine(vm({ printableStatus: 'CrashLoopBackOff' }), undefined, now, settings),
    ).toMatchObject({ state: 'Failed', reason: 'CrashLoop' });
    const counted = diagnoseVirtualMachine(
      vm({ printableStatus: 'Starting', startFailure: { consecutiveFailCount: 3 } }),
      undefined,
      now,
      settings,
    );
    expect(counted.state === 'Failed' && counted.message).toContain('(3 failed starts in a row)');
  });

  it('reports the way up: starting, scheduling, scheduled, copying the disk', () => {
    expect(
      diagnoseVirtualMachine(vm({ printableStatus: 'Provisioning' }), undefined, now, settings),
    ).toMatchObject({
      state: 'Pending',
      reason: 'ImportingDisk',
    });
    expect(diagnoseVirtualMachine(vm(), undefined, now, settings)).toMatchObject({ reason: 'Scheduling' });
    expect(
      diagnoseVirtualMachine(vm(), vmi({ phase: 'Scheduled', nodeName: 'kwok-gpu-1' }), now, settings),
    ).toEqual({
      state: 'Pending',
      reason: 'Booting',
      message: 'The virtual machine is starting on node kwok-gpu-1.',
    });
  });
});
