import { describe, expect, it } from 'vitest';
import {
  CLOUD_INIT_KEY,
  generateVirtualMachine,
} from '../../../operator/sessions/workloads/vm/virtual-machine.ts';
import { vmInput, vncVm } from '../../../operator/sessions/workloads/vm/vm-fixtures.ts';
import { guestVncPassword } from './guest.ts';

describe('guestVncPassword', () => {
  it('reads the VNC password from the cloud-init the operator writes for a vnc guest', () => {
    const built = generateVirtualMachine({
      ...vmInput(vncVm),
      credentials: { token: 't', vncPassword: 'Vnc8pass' },
    });
    const data = built.ok ? (built.value.bootstrap?.data?.[CLOUD_INIT_KEY] ?? '') : '';
    expect(guestVncPassword(Buffer.from(data, 'base64').toString())).toEqual({ ok: true, value: 'Vnc8pass' });
  });

  it('says why when there is none', () => {
    expect(guestVncPassword('#cloud-config\nhostname: x\n')).toEqual({
      ok: false,
      why: 'the user data writes no /etc/daas/vnc-password',
    });
    expect(guestVncPassword('<unattend/>')).toMatchObject({
      ok: false,
      why: 'the user data is not a #cloud-config',
    });
    expect(guestVncPassword('#cloud-config\n: [')).toMatchObject({ ok: false });
  });
});
