import { describe, expect, it } from 'vitest';
import { POOL_LABEL, POOL_RESOURCES_ANNOTATION, POOL_SPEC_ANNOTATION } from '../../crds/index.ts';
import { buildInput } from '../sessions/fixtures.ts';
import { ubuntuVm, windowsVm } from '../sessions/workloads/vm/vm-fixtures.ts';
import { freePoolNames, poolSpecHash, poolVirtualMachine, poolVmName, poolVmSecret } from './pool-vm.ts';

const config = buildInput().config;

describe('pool VM names', () => {
  it('takes the lowest free indices, so two refilling operators pick the same names', () => {
    const taken = new Set([poolVmName('ubuntu', 0), poolVmName('ubuntu', 2)]);
    expect(freePoolNames('ubuntu', taken, 2)).toEqual(['daas-pool-ubuntu-1', 'daas-pool-ubuntu-3']);
  });

  it('stays short enough for the launcher pod and the Secrets', () => {
    expect(poolVmName('a'.repeat(200), 12).length).toBeLessThanOrEqual(48);
  });
});

describe('poolVirtualMachine', () => {
  it('boots the image for nobody, with the claim Secrets for the guest agent and virtiofs', () => {
    const built = poolVirtualMachine(ubuntuVm, 'daas-pool-ubuntu-0', 'daas-pool', config);
    expect(built.ok).toBe(true);
    if (!built.ok) return;
    const { vm } = built.value;
    expect(vm.metadata).toMatchObject({ name: 'daas-pool-ubuntu-0', namespace: 'daas-pool' });
    expect(vm.metadata.labels?.[POOL_LABEL]).toBe('ubuntu-vm');
    expect(vm.spec?.template?.metadata?.labels?.[POOL_LABEL]).toBe('ubuntu-vm');
    expect(vm.metadata.annotations?.[POOL_SPEC_ANNOTATION]).toBe(poolSpecHash(ubuntuVm));
    expect(JSON.parse(vm.metadata.annotations?.[POOL_RESOURCES_ANNOTATION] ?? '[]')).toEqual([
      '4',
      '8Gi',
      '40Gi',
      0,
      '',
    ]);
    const spec = vm.spec?.template?.spec as Record<string, unknown>;
    expect(JSON.stringify(spec)).not.toContain('cloudInitNoCloud');
    expect(spec['accessCredentials']).toEqual([
      {
        userPassword: {
          source: { secret: { secretName: 'daas-pool-ubuntu-0-access' } },
          propagationMethod: { qemuGuestAgent: {} },
        },
      },
    ]);
    expect(spec['volumes']).toContainEqual({
      name: 'daas-claim',
      secret: { secretName: 'daas-pool-ubuntu-0-claim' },
    });
    expect(JSON.stringify(spec)).toContain('"filesystems":[{"name":"daas-claim","virtiofs":{}}]');
    expect(vm.spec?.runStrategy).toBe('Always');
  });

  it('gives a persistent-disk image an ephemeral copy in the pool (claimed VMs are not halted)', () => {
    const built = poolVirtualMachine(windowsVm, 'daas-pool-windows-0', 'daas-pool', config);
    expect(built.ok).toBe(true);
    if (built.ok)
      expect(built.value.vm.metadata.annotations?.['daas.calipsoplus.eu/persistent-disk']).toBeUndefined();
  });

  it('changes its spec hash when the image settings change', () => {
    const bigger = structuredClone(ubuntuVm);
    if (bigger.spec.resources) bigger.spec.resources.default = { cpu: 8, memory: '8Gi' };
    expect(poolSpecHash(bigger)).not.toBe(poolSpecHash(ubuntuVm));
  });

  it('makes its Secrets owned by the VM', () => {
    const built = poolVirtualMachine(ubuntuVm, 'p', 'daas-pool', config);
    if (!built.ok) throw new Error('not built');
    built.value.vm.metadata.uid = 'vm-uid';
    const secret = poolVmSecret(built.value.vm, 'p-access');
    expect(secret.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: 'VirtualMachine',
      name: 'p',
      uid: 'vm-uid',
    });
    expect(secret.data).toBeUndefined();
  });
});
