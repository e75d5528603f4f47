// The proposal data as a guest mounts it over NFS: the same areas, paths and read-only/read-write
// rules as a container session (data-volumes.ts decides them; here they are read as inline NFS
// volumes, since a guest mounts NFS itself and needs no claims).
import { dataVolumes } from '../../data-volumes.ts';
import { refuse, type BuildInput, type Result } from '../../types.ts';

/** One NFS export the guest mounts. */
export interface GuestMount {
  server: string;
  /** The path on the NFS server. */
  path: string;
  /** Where it appears in the guest. */
  mountPath: string;
  readOnly: boolean;
}

export function guestMounts(input: BuildInput): Result<GuestMount[]> {
  const nfsOnly = {
    ...input,
    config: { ...input.config, data: { ...input.config.data, volumeSource: 'nfs' as const } },
  };
  const data = dataVolumes(nfsOnly);
  if (!data.ok) return data;
  const mounts: GuestMount[] = [];
  for (const mount of data.value.mounts) {
    const nfs = data.value.volumes.find((v) => v.name === mount.name)?.nfs;
    if (!nfs) return refuse('DataNotConfigured', 'config.data', `data area ${mount.name} has no NFS export`);
    mounts.push({
      server: nfs.server,
      path: nfs.path,
      mountPath: mount.mountPath,
      readOnly: mount.readOnly ?? false,
    });
  }
  return { ok: true, value: mounts };
}

/** A guest user name from the session owner: lower case, [a-z0-9_-], at most 32, starting with a letter. */
export function guestUserName(owner: string): Result<string> {
  const local = (owner.split('@')[0] ?? '').toLowerCase().replace(/[^a-z0-9_-]/g, '_');
  const name = (/^[a-z_]/.test(local) ? local : `u${local}`).slice(0, 32);
  if (local === '' || !/^[a-z_][a-z0-9_-]*$/.test(name) || /^_+$/.test(name))
    return refuse(
      'InvalidIdentity',
      'spec.owner',
      `owner ${JSON.stringify(owner)} gives no usable guest user name`,
    );
  return { ok: true, value: name };
}
