import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { session } from '../../fixtures.ts';
import { GUEST_DESKTOP_UNIT, GUEST_VNC_PASSWORD_FILE } from './cloud-init.ts';
import { guestUserName } from './guest-data.ts';
import { PASSWORD, gpuVm, ubuntuVm, vmInput, vncVm, windowsVm } from './vm-fixtures.ts';
import {
  CLOUD_INIT_KEY,
  SYSPREP_KEY,
  generateVirtualMachine,
  type VirtualMachineObjects,
} from './virtual-machine.ts';

function built(...args: Parameters<typeof generateVirtualMachine>): VirtualMachineObjects {
  const result = generateVirtualMachine(...args);
  if (!result.ok) throw new Error(`${result.error.field}: ${result.error.message}`);
  return result.value;
}

/** The parts of the VM's template spec the tests read. */
interface TemplateSpec {
  hostname: string;
  volumes: unknown[];
  networks: unknown[];
  nodeSelector: Record<string, string>;
  tolerations: { key: string }[];
  domain: {
    cpu: unknown;
    memory: unknown;
    resources: { requests: unknown };
    firmware: unknown;
    features?: unknown;
    devices: { interfaces: unknown; gpus?: unknown; tpm?: unknown };
  };
}
const templateOf = (o: VirtualMachineObjects) => o.vm.spec?.template?.spec as unknown as TemplateSpec;

/** The parts of the cloud-config the tests read. */
interface CloudConfig {
  users: unknown[];
  bootcmd: string[][];
  chpasswd: { users: unknown[] };
  mounts: string[][];
  runcmd: unknown;
  write_files: { path: string; content: string; owner?: string; permissions?: string; defer?: boolean }[];
}
const cloudConfig = (text: string) => parse(text) as CloudConfig;

const decoded = (o: VirtualMachineObjects, key: string) =>
  Buffer.from(o.bootstrap?.data?.[key] ?? '', 'base64').toString('utf8');

describe('generateVirtualMachine', () => {
  it('names the VM after the session and runs it (runStrategy Always) or halts it', () => {
    const o = built(vmInput());
    expect(o.vm.apiVersion).toBe('kubevirt.io/v1');
    expect(o.vm.metadata.name).toBe('daas-beam-vm');
    expect(o.vm.spec?.runStrategy).toBe('Always');
    expect(built(vmInput(), 'Halted').vm.spec?.runStrategy).toBe('Halted');
    expect(o.vm.spec?.template?.metadata?.labels).toEqual(o.vm.metadata.labels);
  });

  it('boots an ephemeral containerDisk with the session cpu, memory, pod network and hostname', () => {
    const spec = templateOf(built(vmInput()));
    expect(spec.hostname).toBe('zealous-hermann');
    expect(spec.volumes[0]).toEqual({
      name: 'rootdisk',
      containerDisk: { image: 'quay.io/containerdisks/ubuntu:24.04' },
    });
    expect(spec.domain.cpu).toEqual({ cores: 4 });
    expect(spec.domain.memory).toEqual({ guest: '8Gi' });
    expect(spec.domain.resources.requests).toEqual({ cpu: '4', memory: '8Gi' });
    expect(spec.domain.firmware).toEqual({ bootloader: { bios: {} } });
    expect(spec.networks).toEqual([{ name: 'default', pod: {} }]);
    // Masquerade forwards the access port only, named by its protocol.
    expect(spec.domain.devices.interfaces).toEqual([
      { name: 'default', masquerade: {}, ports: [{ name: 'rdp', port: 3389, protocol: 'TCP' }] },
    ]);
    expect(built(vmInput()).vm.spec?.['dataVolumeTemplates']).toBeUndefined();
  });

  it('never puts the password in the VM: cloud-init reads it from the bootstrap Secret', () => {
    const o = built(vmInput());
    expect(JSON.stringify(o.vm)).not.toContain(PASSWORD);
    expect(templateOf(o).volumes[1]).toEqual({
      name: 'bootstrap',
      cloudInitNoCloud: { secretRef: { name: 'daas-beam-vm-boot' } },
    });
    expect(o.bootstrap?.metadata?.name).toBe('daas-beam-vm-boot');
    expect(decoded(o, CLOUD_INIT_KEY)).toContain(PASSWORD);
  });

  it('gives Linux guests the owner with the proposal uid/gid, the NFS data with container modes, and xrdp', () => {
    const userData = decoded(built(vmInput()), CLOUD_INIT_KEY);
    expect(userData.startsWith('#cloud-config\n')).toBe(true);
    const c = cloudConfig(userData);
    expect(c.users).toEqual([
      { name: 'akowalska', uid: 24510, primary_group: 'p-mx-2451', shell: '/bin/bash', lock_passwd: false },
    ]);
    expect(c.bootcmd[0]?.[2]).toContain('groupadd -g 24510 p-mx-2451');
    expect(c.chpasswd.users).toEqual([{ name: 'akowalska', password: PASSWORD, type: 'text' }]);
    // The fixture's config mounts the processed area and the owner's home, read-write (as containers).
    expect(c.mounts).toEqual([
      ['nfs.facility.example:/processed/MX-2451', '/data/processed', 'nfs', 'rw,_netdev,nofail', '0', '0'],
      ['nfs.facility.example:/home/akowalska', '/data/home', 'nfs', 'rw,_netdev,nofail', '0', '0'],
    ]);
    expect(c.runcmd).toEqual([['systemctl', 'enable', '--now', 'xrdp']]);
    expect(c.write_files[0]?.content).toContain("export DAAS_PROPOSAL='MX-2451'");
  });

  it('gives vnc guests a TigerVNC desktop on the access port with the session VNC password', () => {
    const input = vmInput(vncVm);
    const o = built({ ...input, credentials: { token: PASSWORD, vncPassword: 'Vnc8pass' } });
    const c = cloudConfig(decoded(o, CLOUD_INIT_KEY));
    const file = (path: string) => c.write_files.find((f) => f.path === path);
    expect(file(GUEST_VNC_PASSWORD_FILE)).toEqual({
      path: GUEST_VNC_PASSWORD_FILE,
      permissions: '0400',
      owner: 'akowalska:p-mx-2451',
      content: 'Vnc8pass',
      defer: true,
    });
    const unit = file(GUEST_DESKTOP_UNIT)?.content ?? '';
    expect(unit).toContain('User=akowalska');
    expect(unit).toMatch(
      /ExecStart=\S*tigervncserver :1 -fg -localhost no -rfbport 5901 -SecurityTypes VncAuth /,
    );
    expect(c.runcmd).toEqual([
      ['systemctl', 'daemon-reload'],
      ['systemctl', 'enable', '--now', 'daas-desktop'],
    ]);
    expect(templateOf(o).domain.devices.interfaces).toEqual([
      { name: 'default', masquerade: {}, ports: [{ name: 'vnc', port: 5901, protocol: 'TCP' }] },
    ]);
    // Not for other protocols, and never in the VM itself.
    expect(JSON.stringify(o.vm)).not.toContain('Vnc8pass');
    const rdp = cloudConfig(decoded(built(vmInput()), CLOUD_INIT_KEY));
    expect(rdp.write_files.map((f) => f.path)).toEqual(['/etc/profile.d/daas.sh']);
  });

  it('mounts the whole proposal and an experiment session read-only in the guest', () => {
    const s = session(
      'beam-vm',
      { data: { wholeProposal: true, mounts: [{ name: 'scan', experimentSession: 'es-1' }] } },
      'ubuntu-vm',
    );
    const c = cloudConfig(decoded(built(vmInput(ubuntuVm, { session: s })), CLOUD_INIT_KEY));
    const byPath = new Map(c.mounts.map((m) => [m[1], [m[0], m[3]]]));
    expect(byPath.get('/data/raw')).toEqual([
      'nfs.facility.example:/data/id16a/MX-2451',
      'ro,_netdev,nofail',
    ]);
    expect(byPath.get('/data/scan')).toEqual([
      'nfs.facility.example:/data/id16a/MX-2451/es-1',
      'ro,_netdev,nofail',
    ]);
  });

  it('clones a persistent Windows disk from the golden claim, with EFI, secure boot, TPM and sysprep', () => {
    const o = built(vmInput(windowsVm));
    expect(o.vm.spec?.['dataVolumeTemplates']).toEqual([
      {
        metadata: { name: 'daas-beam-vm-disk', labels: o.vm.metadata.labels },
        spec: {
          source: { pvc: { namespace: 'kubevirt-os-images', name: 'windows-11-golden' } },
          storage: { resources: { requests: { storage: '80Gi' } } },
        },
      },
    ]);
    const spec = templateOf(o);
    expect(spec.volumes[0]).toEqual({ name: 'rootdisk', dataVolume: { name: 'daas-beam-vm-disk' } });
    expect(spec.domain.firmware).toEqual({ bootloader: { efi: { secureBoot: true } } });
    expect(spec.domain.features).toEqual({ smm: { enabled: true } });
    expect(spec.domain.devices.tpm).toEqual({});
    expect(spec.volumes[1]).toEqual({
      name: 'bootstrap',
      sysprep: { secret: { name: 'daas-beam-vm-boot' } },
    });
    const xml = decoded(o, SYSPREP_KEY);
    expect(xml).toContain('<fDenyTSConnections>false</fDenyTSConnections>');
    expect(xml).toContain('<Name>akowalska</Name>');
    expect(xml).toContain(`<Value>${PASSWORD}</Value>`);
    expect(xml).toContain('<ComputerName>zealous-hermann</ComputerName>');
    expect(xml).toContain('\\\\nfs.facility.example\\processed\\MX-2451 Z:');
    expect(JSON.stringify(o.vm)).not.toContain(PASSWORD);
  });

  it('passes GPUs through as host devices by their device name, on the image nodes', () => {
    const spec = templateOf(built(vmInput(gpuVm)));
    expect(spec.domain.devices.gpus).toEqual([
      { name: 'gpu0', deviceName: 'nvidia.com/GA100_A100_SXM4_40GB' },
      { name: 'gpu1', deviceName: 'nvidia.com/GA100_A100_SXM4_40GB' },
    ]);
    expect(spec.nodeSelector).toEqual({ 'nvidia.com/gpu.present': 'true' });
    expect(spec.tolerations[0]?.key).toBe('nvidia.com/GA100_A100_SXM4_40GB');
  });

  it('refuses a copied disk without a size, naming the field', () => {
    const noDisk = structuredClone(windowsVm);
    if (noDisk.spec.resources?.default) delete noDisk.spec.resources.default.disk;
    const result = generateVirtualMachine(vmInput(noDisk));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.field).toBe('spec.resources.default.disk');
  });

  it('makes a guest user name of any owner: lower case, the part before @, starting with a letter', () => {
    expect(guestUserName('Jane.Doe@esrf.fr')).toEqual({ ok: true, value: 'jane_doe' });
    expect(guestUserName('1234')).toEqual({ ok: true, value: 'u1234' });
    expect(guestUserName('@@')).toMatchObject({ ok: false, error: { field: 'spec.owner' } });
  });
});
