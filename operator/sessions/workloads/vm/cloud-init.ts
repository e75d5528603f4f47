// Cloud-init (NoCloud) user data for Linux guests: the session owner as a user with the proposal's
// uid/gid and the session's password, the proposal data mounted over NFS with the same paths and
// modes as a container session, the session's variables in /etc/profile.d, and the remote-desktop
// service of the image's protocol enabled (for vnc, a TigerVNC desktop on the access port with the
// session's VNC password, which the gateway's tunnel authenticates with). It holds a password, so it
// travels in a Secret (cloudInitNoCloud.secretRef), never in the VirtualMachine's spec.
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
  /** The image's access port (where the vnc desktop listens). */
  port: number;
  /** The session's VNC password (vnc images). */
  vncPassword?: string;
  /** DAAS_* variables, exported to every login shell. */
  env: Record<string, string>;
}

/** The guest services that serve each protocol. */
export const PROTOCOL_SERVICES: Record<string, string[]> = {
  rdp: ['xrdp'],
  ssh: ['ssh'],
  vnc: ['daas-desktop'],
  http: [],
};

/** Where a vnc guest finds the session's VNC password (root-only until users exist, then the user's). */
export const GUEST_VNC_PASSWORD_FILE = '/etc/daas/vnc-password';
/** The desktop service of a vnc guest: TigerVNC (tigervnc-standalone-server in the image) as the user. */
export const GUEST_DESKTOP_UNIT = '/etc/systemd/system/daas-desktop.service';

/**
 * The systemd unit of a vnc guest's desktop: TigerVNC on the access port, VNC authentication only
 * (the gateway checks the user's ticket, then answers the challenge with the session's password),
 * the password file made from the plain one with vncpasswd at each start.
 */
function desktopUnit(c: CloudInitInput): string {
  return [
    '[Unit]',
    'Description=The session desktop over VNC (daas-operator)',
    'After=network-online.target',
    '',
    '[Service]',
    `User=${c.user}`,
    'RuntimeDirectory=daas-desktop',
    'RuntimeDirectoryMode=0700',
    `ExecStartPre=/bin/sh -c 'vncpasswd -f < ${GUEST_VNC_PASSWORD_FILE} > "$RUNTIME_DIRECTORY/passwd"'`,
    `ExecStart=/usr/bin/tigervncserver :1 -fg -localhost no -rfbport ${String(c.port)} -SecurityTypes VncAuth -rfbauth %t/daas-desktop/passwd -geometry 1280x800 -desktop ${c.hostname}`,
    'Restart=always',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

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
    write_files: [
      { path: '/etc/profile.d/daas.sh', permissions: '0644', content: `${profile}\n` },
      // Deferred to cloud-init's final stage, once the user exists to own it.
      ...(c.protocol === 'vnc' && c.vncPassword
        ? [
            {
              path: GUEST_VNC_PASSWORD_FILE,
              permissions: '0400',
              owner: `${c.user}:${c.group}`,
              content: c.vncPassword,
              defer: true,
            },
            { path: GUEST_DESKTOP_UNIT, permissions: '0644', content: desktopUnit(c), defer: true },
          ]
        : []),
    ],
    // A unit written just now needs systemd to read it first.
    runcmd: [
      ...(c.protocol === 'vnc' ? [['systemctl', 'daemon-reload']] : []),
      ...services.map((s) => ['systemctl', 'enable', '--now', s]),
    ],
  };
  return `#cloud-config\n${stringify(config, { lineWidth: 0 })}`;
}
