// The VM part of the admin's image form ↔ `spec.vm` (and the warm pool) of a SessionImage: the boot
// disk (a containerDisk image or a golden PersistentVolumeClaim, persistent or fresh at every
// start), firmware, secure boot, TPM, guest OS and how credentials reach it. The API server's
// schema and CEL rules judge the values (exactly one disk source; secure boot needs efi; Windows
// cannot use cloud-init) and their messages land next to these fields.
import type { SessionImage } from '../../crds/index.ts';
import type { FieldMap } from '../kube/field-errors.ts';
import { text, type FormBody } from './launch.ts';

export const VM_FIELDS: FieldMap = {
  'spec.vm': 'os',
  'spec.vm.os': 'os',
  'spec.vm.disk': 'containerDisk',
  'spec.vm.disk.containerDisk': 'containerDisk',
  'spec.vm.disk.persistentVolumeClaim': 'pvc',
  'spec.vm.disk.persistentVolumeClaimNamespace': 'pvcNamespace',
  'spec.vm.disk.persistent': 'persistent',
  'spec.vm.firmware': 'firmware',
  'spec.vm.secureBoot': 'secureBoot',
  'spec.vm.tpm': 'tpm',
  'spec.vm.bootstrap': 'bootstrap',
  'spec.warmPool': 'warmPoolSize',
  'spec.warmPool.size': 'warmPoolSize',
};

export const VM_CHOICES = {
  os: ['linux', 'windows'],
  firmware: ['bios', 'efi'],
  bootstrap: ['cloudInit', 'sysprep', 'guestAgent', 'none'],
} as const;

/** What a new VM image's form starts with. */
export const NEW_VM: Record<string, string> = {
  runtime: 'vm',
  protocol: 'rdp',
  port: '3389',
  os: 'windows',
  firmware: 'efi',
  secureBoot: 'on',
  tpm: 'on',
  bootstrap: 'sysprep',
};

const checked = (on: boolean | undefined) => (on ? 'on' : '');

export function vmFormValues(image: SessionImage): Record<string, string> {
  const vm = image.spec.vm;
  return {
    os: vm?.os ?? '',
    containerDisk: vm?.disk.containerDisk ?? '',
    pvc: vm?.disk.persistentVolumeClaim ?? '',
    pvcNamespace: vm?.disk.persistentVolumeClaimNamespace ?? '',
    persistent: checked(vm?.disk.persistent),
    firmware: vm?.firmware ?? 'bios',
    secureBoot: checked(vm?.secureBoot),
    tpm: checked(vm?.tpm),
    bootstrap: vm?.bootstrap ?? '',
    warmPoolSize: image.spec.warmPool ? String(image.spec.warmPool.size) : '',
  };
}

const orNull = (v: string) => v || null;

/** `spec.vm` and `spec.warmPool` from the form, with null for emptied fields (a merge patch removes them). */
export function vmSpecPatch(body: FormBody) {
  const pool = text(body, 'warmPoolSize');
  return {
    vm: {
      os: text(body, 'os'),
      disk: {
        containerDisk: orNull(text(body, 'containerDisk')),
        persistentVolumeClaim: orNull(text(body, 'pvc')),
        persistentVolumeClaimNamespace: orNull(text(body, 'pvcNamespace')),
        persistent: text(body, 'persistent') === 'on',
      },
      firmware: text(body, 'firmware'),
      secureBoot: text(body, 'secureBoot') === 'on',
      tpm: text(body, 'tpm') === 'on',
      bootstrap: text(body, 'bootstrap'),
    },
    warmPool: pool ? { size: /^\d+$/.test(pool) ? Number(pool) : pool } : null,
  };
}
