import { describe, expect, it } from 'vitest';
import type { SessionImage } from '../../crds/index.ts';
import { imageFormValues, imageSpecPatch, newImageFromForm } from './image.ts';

const form = {
  runtime: 'vm',
  name: 'win11',
  displayName: 'Windows 11 with Origin',
  description: '',
  os: 'windows',
  containerDisk: '',
  pvc: 'win11-golden',
  pvcNamespace: 'kubevirt-os-images',
  persistent: 'on',
  firmware: 'efi',
  secureBoot: 'on',
  tpm: 'on',
  bootstrap: 'sysprep',
  warmPoolSize: '2',
  protocol: 'rdp',
  port: '3389',
  basePath: '',
  defaultCpu: '4',
  defaultMemory: '8Gi',
  defaultDisk: '64Gi',
  maxCpu: '8',
  maxMemory: '16Gi',
  maxDisk: '128Gi',
  maxGpus: '',
  gpuResourceName: '',
  defaultLifetime: '8h',
  maxLifetime: '72h',
  idleTimeout: '',
  everyone: 'on',
};

describe('the VM image form', () => {
  it('creates a vm image: disk source, persistence, firmware, secure boot, TPM, OS and warm pool', () => {
    const image = newImageFromForm(form);
    expect(image.spec).toMatchObject({
      runtime: 'vm',
      vm: {
        os: 'windows',
        disk: {
          persistentVolumeClaim: 'win11-golden',
          persistentVolumeClaimNamespace: 'kubevirt-os-images',
          persistent: true,
        },
        firmware: 'efi',
        secureBoot: true,
        tpm: true,
        bootstrap: 'sysprep',
      },
      warmPool: { size: 2 },
      access: { protocol: 'rdp', port: 3389 },
    });
    expect(image.spec).not.toHaveProperty('container');
    expect((image.spec as unknown as { vm: { disk: object } }).vm.disk).not.toHaveProperty('containerDisk');
  });

  it('patches the other disk source and the pool away, and reads a vm image back', () => {
    const patch = imageSpecPatch(
      {
        ...form,
        containerDisk: 'quay.io/containerdisks/fedora:41',
        pvc: '',
        pvcNamespace: '',
        warmPoolSize: '',
      },
      'vm',
    );
    expect(patch).not.toHaveProperty('container');
    expect(patch).toMatchObject({
      vm: {
        disk: {
          containerDisk: 'quay.io/containerdisks/fedora:41',
          persistentVolumeClaim: null,
          persistentVolumeClaimNamespace: null,
        },
      },
      warmPool: null,
    });
    const image = {
      metadata: { name: 'win11' },
      spec: newImageFromForm(form).spec,
    } as unknown as SessionImage;
    expect(imageFormValues(image)).toMatchObject({ ...form, idleTimeout: '' });
  });
});
