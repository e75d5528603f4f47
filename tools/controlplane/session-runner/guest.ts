// What the local session runner reads of a virtual machine's guest: the runner plays the guest of a
// (simulated) VM, so it takes what the guest would take from its cloud-init user data, i.e. the VNC
// password the desktop service of a vnc guest reads. Pure.
import { parse } from 'yaml';
import { GUEST_VNC_PASSWORD_FILE } from '../../../operator/sessions/workloads/vm/cloud-init.ts';

/** Where KubeVirt's cloudInitNoCloud and sysprep Secrets hold the guest's data. */
export const USER_DATA_KEY = 'userdata';

interface WriteFile {
  path?: unknown;
  content?: unknown;
}

/** The VNC password cloud-init writes for the guest's desktop, or why there is none. */
export function guestVncPassword(userData: string): { ok: true; value: string } | { ok: false; why: string } {
  if (!userData.startsWith('#cloud-config'))
    return { ok: false, why: 'the user data is not a #cloud-config' };
  let config: { write_files?: WriteFile[] } | null;
  try {
    config = parse(userData) as { write_files?: WriteFile[] } | null;
  } catch (err) {
    return { ok: false, why: `the user data is not YAML: ${(err as Error).message}` };
  }
  const file = config?.write_files?.find((f) => f.path === GUEST_VNC_PASSWORD_FILE);
  if (typeof file?.content !== 'string' || file.content === '')
    return { ok: false, why: `the user data writes no ${GUEST_VNC_PASSWORD_FILE}` };
  return { ok: true, value: file.content };
}
