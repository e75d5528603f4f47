import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it, vi } from 'vitest';
import { NetworkPolicies, Pods, Secrets } from '../../../runtime/resources.ts';
import { CREDENTIALS_FINGERPRINT_ANNOTATION } from '../../../crds/index.ts';
import { credentialsFingerprint, decodeCredentials, type SessionCredentials } from '../credentials.ts';
import { recordedImage } from '../image-settings.ts';
import { buildInput, proposalNamespace, session, vncImage } from '../fixtures.ts';
import type { BuildInput } from '../types.ts';
import { containerRuntime } from '../workloads/container/runtime.ts';
import type { WorkloadInput, WorkloadRuntime } from '../workloads/types.ts';
import { planSession, type SessionPlan } from './plan.ts';

function planned(input: BuildInput, credentials: SessionCredentials = { token: 't' }): SessionPlan {
  const result = planSession(input, containerRuntime, credentials);
  if (!result.ok) throw new Error(`${result.error.field}: ${result.error.message}`);
  return result.value;
}

function secretOf(plan: SessionPlan) {
  const secret = plan.children.find((c) => c.type === Secrets)?.object;
  return decodeCredentials(secret);
}

const vncInput = () => buildInput({ image: vncImage, session: session('desk', {}, 'xfce-desktop') });

describe('planSession with the container runtime', () => {
  it('puts the credentials Secret first, then NetworkPolicy and Pod', () => {
    const plan = planned(buildInput());
    expect(plan.children.map((c) => c.type)).toEqual([Secrets, NetworkPolicies, Pods]);
    expect(plan.children.map((c) => [c.object.kind, c.object.metadata.name])).toEqual([
      ['Secret', 'daas-quick-look'],
      ['NetworkPolicy', 'daas-image-jupyter-scipy'],
      ['Pod', 'daas-quick-look'],
    ]);
  });

  it("mounts the plan's data volumes in the pod", () => {
    const plan = planned(buildInput());
    const pod = plan.children.find((c) => c.type === Pods)?.object as V1Pod | undefined;
    expect(plan.data.mounts.map((m) => m.mountPath)).toEqual(['/data/processed', '/data/home']);
    expect(pod?.spec?.volumes).toEqual(plan.data.volumes);
  });

  it('puts the chosen credentials in the Secret: the token, and the VNC password for vnc images', () => {
    expect(secretOf(planned(buildInput(), { token: 'tok' }))).toEqual({ token: 'tok' });
    const vnc = { token: 'tok-vnc', vncPassword: 'Pa55word' };
    expect(secretOf(planned(vncInput(), vnc))).toEqual(vnc);
  });

  it('records on the pod the fingerprint of its credentials and the image settings it starts with', () => {
    const input = buildInput();
    const pod = planned(input, { token: 'tok' }).children.find((c) => c.type === Pods)?.object;
    expect(pod?.metadata.annotations).toMatchObject({
      [CREDENTIALS_FINGERPRINT_ANNOTATION]: credentialsFingerprint({ token: 'tok' }),
    });
    expect(recordedImage(pod, input.image.metadata.name)).toEqual(input.image);
  });
});

describe('planSession refusals', () => {
  it('refuses a mount sub-path with .. (set past the schema, which rejects it), before the runtime', () => {
    const s = session();
    s.spec.data = {
      wholeProposal: false,
      mounts: [{ name: 'escape', subPath: '../mx-9999', readOnly: true }],
    };
    const desired = vi.fn((input: WorkloadInput) => containerRuntime.desired(input));
    const runtime: WorkloadRuntime = { ...containerRuntime, desired };
    expect(planSession(buildInput({ session: s }), runtime, { token: 't' })).toEqual({
      ok: false,
      error: {
        reason: 'InvalidDataPath',
        field: 'spec.data.mounts[0].subPath',
        message: 'sub-path "../mx-9999" must not contain a .. segment',
      },
    });
    expect(desired).not.toHaveBeenCalled();
  });

  it('refuses a data path template that needs a missing beamline annotation', () => {
    const { beamline: _beamline, ...noBeamline } = proposalNamespace;
    expect(planSession(buildInput({ namespace: noBeamline }), containerRuntime, { token: 't' })).toEqual({
      ok: false,
      error: {
        reason: 'DataNotConfigured',
        field: 'config.data.proposalPath',
        message:
          'the data path template proposalPath needs {beamline}, but namespace proposal-mx-2451 has no beamline annotation (daas.calipsoplus.eu/beamline)',
      },
    });
  });

  it("passes on the pod's refusal of a root uid", () => {
    const input = buildInput({ namespace: { ...proposalNamespace, uid: 0 } });
    expect(planSession(input, containerRuntime, { token: 't' })).toEqual({
      ok: false,
      error: {
        reason: 'RootNotAllowed',
        field: 'namespace proposal-mx-2451 uid annotation',
        message: 'sessions never run as root, but namespace proposal-mx-2451 uid annotation gives uid 0',
      },
    });
  });
});
