// Cloud-init (NoCloud) user data for Linux guests: the session owner as a user with the proposal's
// uid/gid and the session's password, the proposal data mounted over NFS with the same paths and
// modes as a container session, the session's variables in /etc/profile.d, and the remote-desktop
// service of the image's protocol enabled. It holds a password, so it travels in a Secret
// (cloudInitNoCloud.secretRef), never in the VirtualMachine's spec.
import { stringify } from 'yaml';
import type { GuestMount } from './guest-data.ts';

export interface CloudInitInput {
  hostname: string;
  user: string;
  uid: number;
  gid: number;
  /** The proposal's group in the guest. */
  group: string;
  password: string;
  mounts: GuestMount[];
  /** The image's access protocol: which service the guest enables. */
  protocol: string;
  /** DAAS_* variables, exported to every login shell. */
  env: Record<string, string>;
}

/** The guest services that serve each protocol (vnc needs none: KubeVirt serves the VM's console). */
export const PROTOCOL_SERVICES: Record<string, string[]> = { rdp: ['xrdp'], ssh: ['ssh'], vnc: [], http: [] };

/** Quotes a value for a POSIX shell, so no variable content can run as a command. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function cloudInitUserData(c: CloudInitInput): string {
  const services = PROTOCOL_SERVICES[c.protocol] ?? [];
  const profile = Object.entries(c.env)
    .map(([k, v]) => `export ${k}=${shellQuote(v)}`)
    .join('\n');
  const config = {
    hostname: c.hostname,
    // bootcmd runs before users-groups, so the proposal's group exists with its gid when the user is made.
    bootcmd: [['sh', '-c', `getent group ${c.group} >/dev/null || groupadd -g ${String(c.gid)} ${c.group}`]],
    users: [
      {
        name: c.user,
        uid: c.uid,
        primary_group: c.group,
        shell: '/bin/bash',
        lock_passwd: false,
      },
    ],
    chpasswd: { expire: false, users: [{ name: c.user, password: c.password, type: 'text' }] },
    ssh_pwauth: c.protocol === 'ssh',
    // cloud-init's mounts module creates the mount points and mounts them now and at every boot.
    mounts: c.mounts.map((m) => [
      `${m.server}:${m.path}`,
      m.mountPath,
      'nfs',
      `${m.readOnly ? 'ro' : 'rw'},_netdev,nofail`,
      '0',
      '0',
    ]),
    write_files: [{ path: '/etc/profile.d/daas.sh', permissions: '0644', content: `${profile}\n` }],
    runcmd: services.map((s) => ['systemctl', 'enable', '--now', s]),
  };
  return `#cloud-config\n${stringify(config, { lineWidth: 0 })}`;
}
