import { describe, expect, it } from 'vitest';
import { buildInput, jupyterImage, session, vncImage } from '../../../operator/sessions/fixtures.ts';
import { generatePod } from '../../../operator/sessions/workloads/container/pod.ts';
import type { Pod } from '../../../runtime/resources.ts';
import { VirtualMachines, type VirtualMachine } from '../../../operator/sessions/workloads/vm/kinds.ts';
import { vmRuntime } from '../../../operator/sessions/workloads/vm/runtime.ts';
import { vmInput, vncVm } from '../../../operator/sessions/workloads/vm/vm-fixtures.ts';
import { instanceFor, launcherPodFor } from '../kubevirt-sim/simulation.ts';
import { fingerprint, isLoopback, plan, workloadOf, type SessionWorkload } from './workload.ts';

const fake = new Set(['kwok-node-0']);

/** The pod the operator builds for the fixture session, as kwok runs it. */
function runningPod(img: typeof jupyterImage, status: Partial<NonNullable<Pod['status']>> = {}): Pod {
  const built = generatePod(
    buildInput({ image: img, session: session('quick-look', {}, img.metadata.name) }),
  );
  if (!built.ok) throw new Error(built.error.message);
  const pod = JSON.parse(JSON.stringify(built.value)) as Pod;
  return {
    ...pod,
    spec: { ...(pod.spec ?? { containers: [] }), nodeName: 'kwok-node-0' },
    status: { phase: 'Running', podIP: '127.42.0.7', ...status },
  };
}

describe('workloadOf', () => {
  it("reads a notebook from the operator's pod: IP, port, base path and where the token is", () => {
    const out = workloadOf(runningPod(jupyterImage), fake);
    expect(out).toMatchObject({
      ok: true,
      value: {
        kind: 'jupyter',
        key: 'proposal-mx-2451/daas-quick-look',
        session: 'quick-look',
        ip: '127.42.0.7',
        port: 8888,
        basePath: '/sessions/quick-look/',
        token: { name: 'daas-quick-look', key: 'token' },
      },
    });
    // Plain variables come along; no secret value is in the workload.
    if (out.ok)
      expect(out.value.env).toMatchObject({ DAAS_SESSION: 'quick-look', JUPYTER_ENABLE_LAB: 'yes' });
    if (out.ok) expect(out.value.env.JUPYTER_TOKEN).toBeUndefined();
  });

  it('reads a desktop with the Secret of its VNC password and its machine name', () => {
    const out = workloadOf(runningPod(vncImage), fake);
    expect(out).toMatchObject({
      ok: true,
      value: { kind: 'desktop', port: 5901, password: { name: 'daas-quick-look', key: 'password' } },
    });
    if (out.ok) expect(out.value.machineName).toMatch(/^[a-z]+-[a-z]+$/);
  });

  it("reads a VM guest from its (simulated) virt-launcher pod: the vnc port and the guest's cloud-init Secret", () => {
    const built = vmRuntime().desired({
      ...vmInput(vncVm),
      credentials: { token: 't', vncPassword: 'Vnc8pass' },
    });
    const vm = (
      built.ok ? built.value.find((c) => c.type === VirtualMachines)?.object : undefined
    ) as VirtualMachine;
    const launcher = launcherPodFor(vm, instanceFor(vm)) as Pod;
    const pod: Pod = {
      ...launcher,
      spec: { ...(launcher.spec ?? { containers: [] }), nodeName: 'kwok-node-0' },
      status: { phase: 'Running', podIP: '127.42.0.9' },
    };
    expect(workloadOf(pod, fake)).toMatchObject({
      ok: true,
      value: {
        kind: 'desktop',
        guest: true,
        session: 'beam-vm',
        ip: '127.42.0.9',
        port: 5901,
        machineName: 'zealous-hermann',
        password: { name: 'daas-beam-vm-boot', key: 'userdata' },
      },
    });
    // An rdp guest has no local peer.
    const rdp = structuredClone(pod);
    const port = rdp.spec?.containers[0]?.ports?.[0];
    if (port) port.name = 'rdp';
    expect(workloadOf(rdp, fake)).toEqual({ ok: false, skip: 'a VM guest serving rdp has no local runner' });
  });

  it.each([
    ['a pod not yet Running', { phase: 'Pending' }, /phase Pending/],
    ['an IP outside 127.0.0.0/8', { podIP: '10.0.0.7' }, /10\.0\.0\.7 is not in 127\.0\.0\.0\/8/],
    ['no IP', { podIP: undefined }, /is not in 127/],
  ])('skips %s', (_, status, why) => {
    const out = workloadOf(runningPod(jupyterImage, status), fake);
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.skip).toMatch(why);
  });

  it('skips pods on real nodes and pods being deleted', () => {
    expect(workloadOf(runningPod(jupyterImage), new Set(['real-node']))).toMatchObject({
      ok: false,
      skip: 'not on a fake (kwok) node: kwok-node-0',
    });
    const deleting = runningPod(jupyterImage);
    deleting.metadata.deletionTimestamp = '2026-12-01T00:00:00Z';
    expect(workloadOf(deleting, fake)).toEqual({ ok: false, skip: 'being deleted' });
  });
});

describe('isLoopback', () => {
  it('accepts only dotted quads in 127.0.0.0/8', () => {
    expect(['127.0.0.1', '127.255.3.4'].map(isLoopback)).toEqual([true, true]);
    expect(['128.0.0.1', '127.0.0.256', '127.1.1', '0127.0.0.1', '::1', ''].map(isLoopback)).toEqual(
      Array(6).fill(false),
    );
  });
});

describe('plan', () => {
  const w = (key: string, ip = '127.42.0.7'): SessionWorkload => {
    const out = workloadOf(runningPod(jupyterImage, { podIP: ip }), fake);
    if (!out.ok) throw new Error(out.skip);
    return { ...out.value, key };
  };

  it('starts what is missing, stops what is gone, and leaves the rest alone', () => {
    const a = w('ns/a');
    const b = w('ns/b');
    const running = new Map([
      ['ns/a', fingerprint(a)],
      ['ns/gone', 'x'],
    ]);
    expect(plan([a, b], running)).toEqual({ start: [b], stop: ['ns/gone'] });
    expect(plan([a], new Map([['ns/a', fingerprint(a)]]))).toEqual({ start: [], stop: [] });
  });

  it('restarts a session whose pod changed its IP', () => {
    const before = w('ns/a', '127.42.0.7');
    const after = w('ns/a', '127.42.0.9');
    expect(plan([after], new Map([['ns/a', fingerprint(before)]]))).toEqual({
      start: [after],
      stop: ['ns/a'],
    });
  });
});
