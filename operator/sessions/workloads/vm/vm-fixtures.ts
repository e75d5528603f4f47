// Test fixtures for the VM runtime: the sample Ubuntu and Windows images (as in examples/), a vnc
// desktop VM, and a
// WorkloadInput for a session of each.
import { buildInput, image, session } from '../../fixtures.ts';
import type { BuildInput } from '../../types.ts';
import type { WorkloadInput } from '../types.ts';

export const ubuntuVm = image('ubuntu-vm', {
  runtime: 'vm',
  container: undefined,
  vm: { os: 'linux', disk: { containerDisk: 'quay.io/containerdisks/ubuntu:24.04' }, bootstrap: 'cloudInit' },
  access: { protocol: 'rdp', port: 3389 },
  resources: {
    default: { cpu: 4, memory: '8Gi', disk: '40Gi' },
    max: { cpu: 16, memory: '64Gi', disk: '80Gi' },
  },
  activity: { signal: 'connections' },
});

export const vncVm = image('ubuntu-desktop-vm', {
  runtime: 'vm',
  container: undefined,
  vm: { os: 'linux', disk: { containerDisk: 'quay.io/containerdisks/ubuntu:24.04' }, bootstrap: 'cloudInit' },
  access: { protocol: 'vnc', port: 5901 },
  resources: { default: { cpu: 2, memory: '4Gi' }, max: { cpu: 4, memory: '8Gi' } },
  activity: { signal: 'connections' },
});

export const windowsVm = image('windows-vm', {
  runtime: 'vm',
  container: undefined,
  vm: {
    os: 'windows',
    disk: { persistentVolumeClaim: 'windows-11-golden', persistent: true },
    firmware: 'efi',
    secureBoot: true,
    tpm: true,
    bootstrap: 'sysprep',
  },
  access: { protocol: 'rdp', port: 3389 },
  resources: {
    default: { cpu: 4, memory: '16Gi', disk: '80Gi' },
    max: { cpu: 8, memory: '32Gi', disk: '80Gi' },
  },
});

export const gpuVm = image('linux-gpu-vm', {
  runtime: 'vm',
  container: undefined,
  vm: { os: 'linux', disk: { containerDisk: 'quay.io/containerdisks/ubuntu:24.04' }, bootstrap: 'cloudInit' },
  access: { protocol: 'ssh', port: 22 },
  resources: {
    default: { cpu: 8, memory: '32Gi', gpus: 2 },
    max: { cpu: 16, memory: '64Gi', gpus: 4 },
    gpuResourceName: 'nvidia.com/GA100_A100_SXM4_40GB',
  },
  scheduling: { nodeSelector: { 'nvidia.com/gpu.present': 'true' } },
});

export const PASSWORD = 'c2VjcmV0LXNlc3Npb24tdG9rZW4tZm9yLXRoZS12bQ';

export function vmInput(img = ubuntuVm, overrides: Partial<BuildInput> = {}): WorkloadInput {
  const input = buildInput({ image: img, session: session('beam-vm', {}, img.metadata.name), ...overrides });
  return {
    ...input,
    data: { volumes: [], mounts: [], persistentVolumes: [], claims: [], notes: [] },
    credentials: { token: PASSWORD },
  };
}
