// Container and Jupyter sessions end to end on the local control plane: the real operator, the real
// kube-scheduler placing pods on kwok nodes, and a real Jupyter server on the session pod's loopback IP.
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import {
  CoreV1Api,
  CustomObjectsApi,
  NetworkingV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1Pod,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUP, VERSION, type AnalysisSession } from '../../crds/index.ts';
import { installCrds } from '../../crds/testing/api-server.ts';
import { startJupyter, type JupyterServer } from '../../testing/jupyter.ts';
import { createTestNamespace, eventually, testKubeConfig } from '../../testing/kube.ts';
import { startTestOperator, writeRequests } from '../../testing/operator.ts';
import type { RunningOperator } from '../../runtime/app.ts';
import { sleep } from '../../runtime/time.ts';

const suffix = randomBytes(3).toString('hex');
const proposal = `MX-${String(1000 + Math.floor(Math.random() * 8000))}`;
const images = {
  jupyter: `t-jupyter-${suffix}`,
  gpu: `t-gpu-${suffix}`,
  brief: `t-brief-${suffix}`,
  missing: `t-missing-${suffix}`,
};

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
let kc: KubeConfig;
let core: CoreV1Api;
let custom: CustomObjectsApi;
let ns: { name: string; remove: () => Promise<void> };
let operator: RunningOperator;
const jupyters: JupyterServer[] = [];

function image(name: string, spec: Record<string, unknown>) {
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'SessionImage',
    metadata: { name },
    spec: {
      displayName: name,
      runtime: 'container',
      access: { protocol: 'http', port: 8888, basePath: '/sessions/{session}/' },
      resources: { default: { cpu: 1, memory: '2Gi' }, max: { cpu: 8, memory: '16Gi', gpus: 8 } },
      lifecycle: { defaultLifetime: '1h', maxLifetime: '2h', expiryWarning: '5m' },
      availability: { everyone: true },
      ...spec,
      container: {
        image: 'quay.io/jupyter/scipy-notebook:2025-06-02',
        ...(spec.container as object | undefined),
      },
    },
  };
}

async function createSession(name: string, spec: Record<string, unknown>): Promise<void> {
  await custom.createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace: ns.name,
    plural: 'analysissessions',
    body: {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'AnalysisSession',
      metadata: { name },
      spec: { owner: 'akowalska', proposal, ...spec },
    },
  });
}

async function getSession(name: string): Promise<AnalysisSession> {
  return (await custom.getNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace: ns.name,
    plural: 'analysissessions',
    name,
  })) as AnalysisSession;
}

async function patchSpec(name: string, spec: Record<string, unknown>): Promise<void> {
  await custom.patchNamespacedCustomObject(
    { group: GROUP, version: VERSION, namespace: ns.name, plural: 'analysissessions', name, body: { spec } },
    mergePatch,
  );
}

async function untilPhase(name: string, phase: string, timeoutMs = 30_000): Promise<AnalysisSession> {
  return eventually(
    `session ${name} ${phase}`,
    async () => {
      const s = await getSession(name);
      return s.status?.phase === phase ? s : undefined;
    },
    timeoutMs,
  );
}

async function readPod(name: string): Promise<V1Pod | undefined> {
  const list = await core.listNamespacedPod({
    namespace: ns.name,
    labelSelector: `daas.calipsoplus.eu/session=${name}`,
  });
  return list.items[0];
}

async function sessionEvents(name: string): Promise<string[]> {
  const list = await kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: ns.name });
  return list.items
    .filter((e) => e.involvedObject.name === name)
    .map((e) => `${e.reason ?? ''}: ${e.message ?? ''}`);
}

beforeAll(async () => {
  kc = testKubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  custom = kc.makeApiClient(CustomObjectsApi);
  await installCrds();
  ns = await createTestNamespace(kc, 'sessions', {
    'daas.calipsoplus.eu/proposal': proposal,
    // Every session pod must meet the Pod Security "restricted" profile: the API server enforces it here.
    'pod-security.kubernetes.io/enforce': 'restricted',
  });
  await core.patchNamespace(
    { name: ns.name, body: { metadata: { annotations: { 'daas.calipsoplus.eu/beamline': 'id16a' } } } },
    mergePatch,
  );
  const body = (o: ReturnType<typeof image>) =>
    custom.createClusterCustomObject({ group: GROUP, version: VERSION, plural: 'sessionimages', body: o });
  await body(
    image(images.jupyter, {
      lifecycle: { defaultLifetime: '1h', maxLifetime: '2h', expiryWarning: '5m', idleTimeout: '10m' },
      activity: { signal: 'jupyter', probeInterval: '1s' },
    }),
  );
  await body(
    image(images.gpu, {
      scheduling: { nodeSelector: { 'nvidia.com/gpu.present': 'true' } },
    }),
  );
  await body(
    image(images.brief, { lifecycle: { defaultLifetime: '20s', maxLifetime: '1h', expiryWarning: '10s' } }),
  );
  await body(image(images.missing, { container: { image: 'registry.invalid/daas/missing:1' } }));
  operator = await startTestOperator([ns.name], ['--image-pull-grace=3s']);
}, 120_000);

afterAll(async () => {
  await operator.shutdown('test done');
  for (const j of jupyters) await j.stop();
  for (const name of Object.values(images)) {
    await custom
      .deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: 'sessionimages', name })
      .catch(() => undefined);
  }
  await ns.remove();
});

describe('container sessions', () => {
  it("runs: a pod on a fake node with an owned Secret, its image's NetworkPolicy (no Service), and a clear status", async () => {
    await createSession('quick-look', {
      image: images.jupyter,
      data: { mounts: [{ name: 'march', experimentSession: '2025-03-12', subPath: 'raw/sample_A' }] },
    });
    const s = await untilPhase('quick-look', 'Running');
    const status = s.status ?? {};
    expect(status.machineName).toMatch(/^[a-z]+-[a-z]+$/);
    expect(status.message).toContain(status.machineName);
    expect(status.startedAt).toBeTruthy();
    expect(new Date(status.expiresAt ?? 0).getTime() - new Date(status.startedAt ?? 0).getTime()).toBe(
      3_600_000,
    );
    expect(status.observedGeneration).toBe(s.metadata.generation);
    for (const type of ['Accepted', 'DataReady', 'Scheduled', 'Ready', 'AccessReady']) {
      expect(status.conditions?.find((c) => c.type === type)).toMatchObject({
        status: 'True',
        observedGeneration: s.metadata.generation,
      });
    }
    const pod = await readPod('quick-look');
    expect(pod?.spec?.nodeName).toMatch(/^kwok-/);
    expect(pod?.spec?.hostname).toBe(status.machineName);
    expect(status.endpoint).toMatchObject({ protocol: 'http', host: pod?.status?.podIP, port: 8888 });
    expect(status.endpoint?.url).toBe(`http://${pod?.status?.podIP ?? ''}:8888/sessions/quick-look/`);
    const uid = s.metadata.uid;
    const owned = (o: { metadata?: { ownerReferences?: { uid: string; controller?: boolean }[] } }) =>
      o.metadata?.ownerReferences?.some((r) => r.uid === uid && r.controller === true);
    const name = status.endpoint?.credentialsSecretName ?? '';
    const secret = await core.readNamespacedSecret({ name, namespace: ns.name });
    expect(owned(secret)).toBe(true);
    expect(Buffer.from(secret.data?.token ?? '', 'base64').length).toBeGreaterThanOrEqual(16);
    expect(JSON.stringify(status)).not.toContain(Buffer.from(secret.data?.token ?? '', 'base64').toString());
    // The endpoint is the pod's address: no per-session Service (a write and a service IP for nothing).
    await expect(core.readNamespacedService({ name, namespace: ns.name })).rejects.toThrow();
    // One policy per image in the namespace, shared by its sessions (owned by none), selecting this pod.
    const policy = await kc
      .makeApiClient(NetworkingV1Api)
      .readNamespacedNetworkPolicy({ name: `daas-image-${images.jupyter}`, namespace: ns.name });
    expect(policy.metadata?.ownerReferences ?? []).toEqual([]);
    expect(pod?.metadata?.labels).toMatchObject(
      policy.spec?.podSelector?.matchLabels ?? { missing: 'selector' },
    );
    expect(policy.spec?.ingress?.[0]?.ports).toEqual([{ protocol: 'TCP', port: 8888 }]);
    expect(owned(pod ?? {})).toBe(true);
    // The proposal data as configured: the experiment session's sub-path on the NFS server, through a
    // claim bound to a PersistentVolume (inline NFS volumes are not allowed under "restricted").
    const mount = pod?.spec?.containers[0]?.volumeMounts?.find((m) => m.mountPath === '/data/march');
    expect(mount?.readOnly).toBe(true);
    const claimName =
      pod?.spec?.volumes?.find((v) => v.name === mount?.name)?.persistentVolumeClaim?.claimName ?? '';
    const claim = await eventually('claim bound', async () => {
      const c = await core.readNamespacedPersistentVolumeClaim({ name: claimName, namespace: ns.name });
      return c.status?.phase === 'Bound' ? c : undefined;
    });
    // The claim is the experiment session's, shared by the proposal's sessions; the mount's subPath
    // takes the session to its sub-path below it.
    const volume = await core.readPersistentVolume({ name: claim.spec?.volumeName ?? '' });
    const nfs = volume.spec?.nfs;
    expect({
      server: nfs?.server,
      path: posix.join(nfs?.path ?? '', mount?.subPath ?? ''),
      readOnly: nfs?.readOnly,
    }).toEqual({
      server: 'nfs.facility.example',
      path: `/data/proposals/${proposal}/2025-03-12/raw/sample_A`,
      readOnly: true,
    });
  });

  it('brings back a pod deleted by hand', async () => {
    const before = await readPod('quick-look');
    await core.deleteNamespacedPod({ name: before?.metadata?.name ?? '', namespace: ns.name });
    const after = await eventually('a new pod', async () => {
      const p = await readPod('quick-look');
      return p && p.metadata?.uid !== before?.metadata?.uid && p.status?.phase === 'Running' ? p : undefined;
    });
    expect(after.metadata?.name).toBe(before?.metadata?.name);
    await untilPhase('quick-look', 'Running');
  });

  it('writes nothing when nothing changed, and re-applies only what a spec edit changes', async () => {
    await untilPhase('quick-look', 'Running');
    await sleep(1500);
    const quiet = await writeRequests(operator);
    // A metadata-only change triggers a reconcile that must find nothing to do.
    await custom.patchNamespacedCustomObject(
      {
        group: GROUP,
        version: VERSION,
        namespace: ns.name,
        plural: 'analysissessions',
        name: 'quick-look',
        body: { metadata: { labels: { touched: 'yes' } } },
      },
      mergePatch,
    );
    await sleep(2500);
    expect(await writeRequests(operator)).toBe(quiet);

    const name = (await getSession('quick-look')).status?.endpoint?.credentialsSecretName ?? '';
    const secret = await core.readNamespacedSecret({ name, namespace: ns.name });
    const podBefore = await readPod('quick-look');
    await patchSpec('quick-look', { resources: { cpu: 2 } });
    const podAfter = await eventually('pod with 2 cpus', async () => {
      const p = await readPod('quick-look');
      return p?.spec?.containers[0]?.resources?.requests?.cpu === '2' && p.status?.phase === 'Running'
        ? p
        : undefined;
    });
    expect(podAfter.metadata?.uid).not.toBe(podBefore?.metadata?.uid);
    const secretAfter = await core.readNamespacedSecret({ name, namespace: ns.name });
    expect(secretAfter.metadata?.resourceVersion).toBe(secret.metadata?.resourceVersion);
    await untilPhase('quick-look', 'Running');
  });

  it('stops and resumes', async () => {
    await patchSpec('quick-look', { state: 'Stopped' });
    const stopped = await untilPhase('quick-look', 'Stopped');
    expect(stopped.status?.reason).toBe('StoppedByUser');
    expect(await readPod('quick-look')).toBeUndefined();
    const secretName = stopped.status?.endpoint?.credentialsSecretName;
    expect(secretName).toBeUndefined();
    await patchSpec('quick-look', { state: 'Running' });
    const resumed = await untilPhase('quick-look', 'Running');
    expect(resumed.status?.startedAt).toBe(stopped.status?.startedAt);
  });

  it('puts a GPU session on the GPU node', async () => {
    await createSession('gpu-recon', { image: images.gpu, resources: { gpus: 2 } });
    await untilPhase('gpu-recon', 'Running');
    const pod = await readPod('gpu-recon');
    expect(pod?.spec?.nodeName).toBe('kwok-gpu-1');
    expect(pod?.spec?.containers[0]?.resources?.limits?.['nvidia.com/gpu']).toBe('2');
  });

  it('says plainly that an impossible GPU request waits for GPUs', async () => {
    await createSession('too-many-gpus', { image: images.gpu, resources: { gpus: 8 } });
    const s = await eventually('Unschedulable status', async () => {
      const x = await getSession('too-many-gpus');
      return x.status?.reason === 'Unschedulable' && /GPU/.test(x.status.message ?? '') ? x : undefined;
    });
    expect(s.status?.phase).toBe('Queued');
    expect(s.status?.message).toMatch(/GPU/);
    expect(s.status?.message).toContain('nvidia.com/gpu');
    // How big the biggest GPU node is, so the user knows what to ask for instead.
    expect(s.status?.message).toContain('The largest suitable node offers 4 nvidia.com/gpu in all.');
  });

  it('refuses a request above the image maximum, naming the field', async () => {
    await createSession('too-big', { image: images.jupyter, resources: { memory: '64Gi' } });
    const s = await untilPhase('too-big', 'Failed');
    expect(s.status?.message).toContain('spec.resources.memory');
    expect(await readPod('too-big')).toBeUndefined();
  });

  it('fails fast with the reason when the image cannot be pulled', async () => {
    await createSession('bad-image', { image: images.missing });
    const s = await untilPhase('bad-image', 'Failed', 40_000);
    expect(s.status?.reason).toBe('ImagePullFailed');
    expect(s.status?.message).toContain('registry.invalid/daas/missing:1');
    await eventually('pod removed', async () => ((await readPod('bad-image')) ? undefined : true));
    // It stays failed (no retry loop) until the user changes the session.
    await sleep(4000);
    const later = await getSession('bad-image');
    expect(later.status?.phase).toBe('Failed');
    expect(later.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'ImagePullFailed',
    });
    expect(await readPod('bad-image')).toBeUndefined();
    await patchSpec('bad-image', { resources: { cpu: 2 } });
    await eventually('a new attempt', async () => ((await readPod('bad-image')) ? true : undefined));
  });

  it('warns before expiry, expires, and comes back when the lifetime is extended', async () => {
    await createSession('brief', { image: images.brief });
    const running = await untilPhase('brief', 'Running');
    const warned = await eventually(
      'ExpiringSoon',
      async () => {
        const x = await getSession('brief');
        return x.status?.conditions?.find((c) => c.type === 'ExpiringSoon' && c.status === 'True')
          ? x
          : undefined;
      },
      20_000,
    );
    expect(warned.status?.phase).toBe('Running');
    expect(await sessionEvents('brief')).toContainEqual(
      expect.stringMatching(/^ExpiringSoon: Session expires at/),
    );
    const expired = await untilPhase('brief', 'Expired', 20_000);
    expect(expired.status?.reason).toBe('LifetimeExpired');
    const startedAt = new Date(running.status?.startedAt ?? 0).getTime();
    expect(new Date(expired.status?.expiresAt ?? 0).getTime() - startedAt).toBe(20_000);
    await eventually('workload gone', async () => ((await readPod('brief')) ? undefined : true));
    // Extension: a longer lifetime moves expiresAt and brings the session back.
    await patchSpec('brief', { lifetime: '10m' });
    const back = await untilPhase('brief', 'Running');
    expect(new Date(back.status?.expiresAt ?? 0).getTime() - startedAt).toBe(600_000);
  });
});

describe('idle culling with a real Jupyter server', () => {
  async function runningWithJupyter(name: string, idleTimeout: string): Promise<JupyterServer> {
    await createSession(name, { image: images.jupyter, idleTimeout, lifetime: '1h' });
    const s = await untilPhase(name, 'Running');
    const secret = await core.readNamespacedSecret({
      name: s.status?.endpoint?.credentialsSecretName ?? '',
      namespace: ns.name,
    });
    const jupyter = await startJupyter({
      ip: s.status?.endpoint?.host ?? '',
      port: 8888,
      token: Buffer.from(secret.data?.token ?? '', 'base64').toString(),
      baseUrl: `/sessions/${name}/`,
    });
    jupyters.push(jupyter);
    return jupyter;
  }

  it('keeps a session while it is used and stops it once idle', async () => {
    const jupyter = await runningWithJupyter('notebook', '10s');
    // Work for 14 s (past the idle timeout): every request is activity.
    const until = Date.now() + 14_000;
    while (Date.now() < until) {
      await fetch(`${jupyter.url}api/contents`, { headers: { authorization: `token ${jupyter.token}` } });
      await sleep(1000);
    }
    const busy = await getSession('notebook');
    expect(busy.status?.phase).toBe('Running');
    expect(Date.now() - new Date(busy.status?.lastActivityAt ?? 0).getTime()).toBeLessThan(5000);
    // Then leave it alone: it is stopped about 10 s later.
    const stopped = await untilPhase('notebook', 'Stopped', 30_000);
    expect(stopped.spec.state).toBe('Stopped');
    expect(stopped.status?.reason).toBe('IdleTimeout');
    expect(stopped.status?.message).toMatch(/without activity/);
  });

  it('never stops a session because its server does not answer', async () => {
    await createSession('silent', { image: images.jupyter, idleTimeout: '10s', lifetime: '1h' });
    await untilPhase('silent', 'Running');
    // No Jupyter server listens on this pod's IP: every probe fails.
    await sleep(15_000);
    const s = await getSession('silent');
    expect(s.status?.phase).toBe('Running');
    expect(s.spec.state).toBe('Running');
  });
});
