// The generated children pass the real API server's validation and the Pod Security "restricted"
// admission, applied exactly as the reconciler applies them (server-side apply, here with dry run).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SchedulingV1Api, type V1Pod } from '@kubernetes/client-node';
import { apply } from '../../../../runtime/apply.ts';
import { ApiError } from '../../../../runtime/errors.ts';
import {
  NetworkPolicies,
  Pods,
  Secrets,
  type KubeObject,
  type ResourceType,
} from '../../../../runtime/resources.ts';
import { RestClient } from '../../../../runtime/rest.ts';
import { createTestNamespace, testKubeConfig } from '../../../../testing/kube.ts';
import {
  buildInput,
  config,
  gpuImage,
  jupyterImage,
  proposalNamespace,
  session,
  vncImage,
} from '../../fixtures.ts';
import { dataVolumes } from '../../data-volumes.ts';
import type { BuildInput } from '../../types.ts';
import { generateNetworkPolicy } from './networkpolicy.ts';
import { generatePod } from './pod.ts';
import { deriveCredentials, generateSecret } from '../../credentials.ts';

const PersistentVolumes: ResourceType = {
  group: '',
  version: 'v1',
  plural: 'persistentvolumes',
  kind: 'PersistentVolume',
  namespaced: false,
};
const Claims: ResourceType = {
  group: '',
  version: 'v1',
  plural: 'persistentvolumeclaims',
  kind: 'PersistentVolumeClaim',
  namespaced: true,
};

const kc = testKubeConfig();
const client = new RestClient(kc);
const scheduling = kc.makeApiClient(SchedulingV1Api);
let ns: { name: string; remove: () => Promise<void> };
// The GPU image names a PriorityClass, and admission refuses pods whose class does not exist.
const gpuWithPriority = structuredClone(gpuImage);

beforeAll(async () => {
  ns = await createTestNamespace(kc, 'restricted', { 'pod-security.kubernetes.io/enforce': 'restricted' });
  const priorityClass = `${ns.name}-gpu`;
  await scheduling.createPriorityClass({ body: { metadata: { name: priorityClass }, value: 1000 } });
  gpuWithPriority.spec.scheduling = { ...gpuWithPriority.spec.scheduling, priorityClassName: priorityClass };
});

afterAll(async () => {
  await scheduling.deletePriorityClass({ name: `${ns.name}-gpu` }).catch(() => undefined);
  await ns.remove();
  client.close();
});

function inputFor(img: typeof jupyterImage, name: string, overrides: Partial<BuildInput> = {}): BuildInput {
  const s = session(
    name,
    {
      data: {
        wholeProposal: true,
        mounts: [{ name: 'beamtime', experimentSession: '2025-03-12', subPath: 'raw/scan_0412' }],
      },
    },
    img.metadata.name,
  );
  return buildInput({
    image: img,
    session: s,
    namespace: { ...proposalNamespace, name: ns.name },
    ...overrides,
  });
}

function podOf(input: BuildInput): V1Pod {
  const result = generatePod(input);
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

const dryRun = (type: ResourceType, obj: object) =>
  apply(client, type, obj as unknown as KubeObject, { dryRun: true, fieldManager: 'daas-build-tests' });

async function refusal(type: ResourceType, obj: object): Promise<ApiError> {
  const error = await dryRun(type, obj).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ApiError))
    throw new Error(`expected the API server to refuse, got ${String(error)}`);
  return error;
}

describe('generated sessions in a "restricted" namespace (server-side dry run)', () => {
  it.each([
    ['a Jupyter notebook', jupyterImage],
    ['a VNC desktop', vncImage],
    ['a GPU notebook', gpuWithPriority],
  ])('accepts the pod of %s', async (_what, img) => {
    const pod = podOf(inputFor(img, `s-${img.metadata.name}`));
    if (img === gpuWithPriority)
      expect(pod.spec?.containers[0]?.resources?.limits?.['nvidia.com/gpu']).toBe('1');
    const accepted = await dryRun(Pods, pod);
    expect(accepted.metadata.name).toBe(pod.metadata?.name);
    expect((accepted as unknown as V1Pod).spec?.securityContext?.runAsNonRoot).toBe(true);
  });

  it('accepts the data PersistentVolumes and claims, the Secret and NetworkPolicy', async () => {
    const input = inputFor(jupyterImage, 'children');
    const data = dataVolumes(input);
    if (!data.ok) throw new Error(data.error.message);
    expect(data.value.persistentVolumes.length).toBe(4);
    for (const pv of data.value.persistentVolumes) await dryRun(PersistentVolumes, pv);
    for (const claim of data.value.claims) await dryRun(Claims, claim);
    await dryRun(Secrets, generateSecret(input, deriveCredentials(randomBytes(32), 'uid', 'vnc')));
    const policy = (await dryRun(NetworkPolicies, generateNetworkPolicy(input))) as {
      spec?: { ingress?: { from?: unknown[] }[] };
    };
    // The peer survived the round trip (client-node's model would have called it `_from`).
    expect(policy.spec?.ingress?.[0]?.from).toHaveLength(1);
  });

  it('refuses the same pod running as root', async () => {
    const pod = podOf(inputFor(jupyterImage, 'as-root'));
    const spec = pod.spec;
    if (!spec?.securityContext) throw new Error('no securityContext');
    spec.securityContext.runAsUser = 0;
    const error = await refusal(Pods, pod);
    expect(error.statusCode).toBe(403);
    expect(error.message).toMatch(/violates PodSecurity "restricted:latest".*runAsUser=0/);
  });

  it('refuses the same pod without the restricted securityContext fields', async () => {
    const pod = podOf(inputFor(vncImage, 'unrestricted'));
    delete pod.spec?.securityContext;
    const container = pod.spec?.containers[0];
    if (container) delete container.securityContext;
    const error = await refusal(Pods, pod);
    expect(error.statusCode).toBe(403);
    expect(error.message).toMatch(/allowPrivilegeEscalation != false/);
    expect(error.message).toMatch(/unrestricted capabilities/);
    expect(error.message).toMatch(/runAsNonRoot != true/);
    expect(error.message).toMatch(/seccompProfile/);
  });

  it('refuses inline NFS volumes, which is why data goes through claims by default', async () => {
    const inline = { ...config, data: { ...config.data, volumeSource: 'nfs' as const } };
    const pod = podOf(inputFor(jupyterImage, 'inline-nfs', { config: inline }));
    const error = await refusal(Pods, pod);
    expect(error.statusCode).toBe(403);
    expect(error.message).toMatch(/restricted volume types.*nfs/);
  });
});
