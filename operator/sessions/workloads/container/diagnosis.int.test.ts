// diagnosePod on live pods: the real kube-scheduler decides what fits, and kwok's failure Stages
// (tools/controlplane/manifests/kwok-stages.yaml) write what a kubelet writes for the fake images.
import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestNamespace, eventually, testKubeConfig } from '../../../../testing/kube.ts';
import { diagnosePod, type PodDiagnosis } from './diagnosis.ts';

let kc: KubeConfig;
let core: CoreV1Api;
let ns: { name: string; remove: () => Promise<void> };

const small = { cpu: '100m', memory: '64Mi' };

function pod(name: string, image: string, resources: Record<string, string> = small): V1Pod {
  return {
    metadata: { name },
    spec: {
      containers: [{ name: 'main', image, resources: { requests: resources, limits: resources } }],
      terminationGracePeriodSeconds: 0,
    },
  };
}

async function read(name: string): Promise<V1Pod> {
  return core.readNamespacedPod({ name, namespace: ns.name });
}

/** Polls the live pod until `want` accepts its diagnosis; returns both. */
async function diagnosisOf<S extends PodDiagnosis['state']>(
  name: string,
  state: S,
  options: Parameters<typeof diagnosePod>[2] = {},
  accept: (pod: V1Pod) => boolean = () => true,
  timeoutMs = 30_000,
): Promise<{ pod: V1Pod; d: Extract<PodDiagnosis, { state: S }> }> {
  return eventually(
    `${name} diagnosed ${state}`,
    async () => {
      const p = await read(name);
      const d = diagnosePod(p, new Date(), options);
      return d.state === state && accept(p)
        ? { pod: p, d: d as Extract<PodDiagnosis, { state: S }> }
        : undefined;
    },
    timeoutMs,
  );
}

beforeAll(async () => {
  kc = testKubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  ns = await createTestNamespace(kc, 'diag');
  const pods = [
    pod('normal', 'registry.example/analysis:1'),
    pod('missing', 'registry.invalid/daas/missing:1'),
    pod('crashing', 'registry.invalid/daas/crashing:1'),
    pod('oom', 'registry.invalid/daas/oom:1', { cpu: '100m', memory: '2Gi' }),
    pod('gpu-8', 'registry.example/analysis:1', { 'nvidia.com/gpu': '8' }),
    pod('cpu-100', 'registry.example/analysis:1', { cpu: '100', memory: '1Gi' }),
  ];
  await Promise.all(pods.map((body) => core.createNamespacedPod({ namespace: ns.name, body })));
});

afterAll(async () => {
  await ns.remove();
});

describe('diagnosePod on the local control plane', () => {
  it('reports a normal pod Running and ready, with its loopback IP and node', async () => {
    const { d } = await diagnosisOf('normal', 'Running', {}, (p) =>
      Boolean(p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')),
    );
    expect(d.ready).toBe(true);
    expect(d.podIP).toMatch(/^127\./);
    expect(d.nodeName).toMatch(/^kwok-/);
    expect(d.startedAt).toBeInstanceOf(Date);
    expect(d.message).toBe('The session is running.');
  });

  it('keeps an image that cannot be pulled Pending within the grace period, then fails it', async () => {
    // What kwok writes: ErrImagePull, then ImagePullBackOff, the pod Pending and not Ready.
    const { pod: live, d } = await diagnosisOf(
      'missing',
      'Pending',
      {},
      (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff',
    );
    expect(live.status?.phase).toBe('Pending');
    expect(live.status?.podIP).toMatch(/^127\./);
    expect(live.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'ContainersNotReady',
    });
    expect(live.status?.containerStatuses?.[0]?.state?.waiting?.message).toMatch(
      /^Back-off pulling image "registry.invalid\/daas\/missing:1": ErrImagePull: rpc error: .*no such host$/,
    );
    expect(d.reason).toBe('ImagePullBackOff');
    expect(d.message).toContain('Cannot pull the image "registry.invalid/daas/missing:1" yet');
    expect(d.recheckAt).toBeInstanceOf(Date);

    const failed = await diagnosisOf('missing', 'Failed', { imagePullGraceMs: 2000 });
    expect(failed.d.reason).toBe('ImagePullFailed');
    expect(failed.d.message).toMatch(
      /^The image "registry.invalid\/daas\/missing:1" could not be pulled for \d+ seconds \(the registry's host name is unknown\);/,
    );
    expect(failed.d.message).toContain('lookup registry.invalid: no such host');
  });

  it('fails a crash-looping container at once, naming its exit code', async () => {
    const { pod: live, d } = await diagnosisOf(
      'crashing',
      'Failed',
      {},
      (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff',
    );
    const status = live.status?.containerStatuses?.[0];
    expect(live.status?.phase).toBe('Running');
    expect(live.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
    expect(status?.state?.waiting?.reason).toBe('CrashLoopBackOff');
    expect(status?.lastState?.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    expect(d.reason).toBe('CrashLoop');
    expect(d.message).toMatch(/^The session's container keeps crashing: it exited with code 1 \(Error\)/);
    expect(d.message).toMatch(/Kubelet: back-off \d+s restarting failed container=main pod=crashing_/);
  });

  it('sees restartCount grow, and fails a running container once it has restarted often enough', async () => {
    // Between crashes the container runs again (not ready): below the restart threshold that is
    // "starting"; at the threshold it is a crash loop even while running.
    const early = await diagnosisOf('crashing', 'Running', {}, (p) => {
      const s = p.status?.containerStatuses?.[0];
      return Boolean(s?.state?.running && s.restartCount >= 1);
    });
    expect(early.d).toMatchObject({ ready: false, message: 'The session is starting.' });
    expect(early.d.podIP).toMatch(/^127\./);
    const late = await diagnosisOf('crashing', 'Failed', {}, (p) => {
      const s = p.status?.containerStatuses?.[0];
      return Boolean(s?.state?.running && s.restartCount >= 3);
    });
    expect(late.d.reason).toBe('CrashLoop');
    expect(late.d.message).toContain('has restarted 3 times');
    expect(late.pod.status?.containerStatuses?.[0]?.lastState?.terminated?.exitCode).toBe(1);
  });

  it('says a container that runs out of memory needs more memory', async () => {
    const { pod: live, d } = await diagnosisOf('oom', 'Failed');
    expect(live.status?.containerStatuses?.[0]?.lastState?.terminated).toMatchObject({
      exitCode: 137,
      reason: 'OOMKilled',
    });
    expect(d.reason).toBe('CrashLoop');
    expect(d.message).toMatch(
      /^The session's container ran out of memory \(limit 2 GiB\) and was killed \(exit code 137\); it has restarted (once|\d+ times)\. Ask for more memory/,
    );
  });

  it('reports a pod asking for 8 GPUs Unschedulable, short of GPUs', async () => {
    const { pod: live, d } = await diagnosisOf('gpu-8', 'Unschedulable');
    const scheduler = live.status?.conditions?.find((c) => c.type === 'PodScheduled')?.message ?? '';
    expect(d.shortResources).toEqual(['nvidia.com/gpu']);
    expect(d.message).toBe(
      `No node has 8 free GPUs (nvidia.com/gpu) for this session. Scheduler: ${scheduler}`,
    );
    expect(scheduler).toMatch(/^0\/3 nodes are available: .*Insufficient nvidia.com\/gpu/);
  });

  it('reports a pod asking for 100 CPUs Unschedulable, short of CPUs', async () => {
    const { pod: live, d } = await diagnosisOf('cpu-100', 'Unschedulable');
    const scheduler = live.status?.conditions?.find((c) => c.type === 'PodScheduled')?.message ?? '';
    expect(d.shortResources).toEqual(['cpu']);
    expect(d.message).toBe(`No node has 100 free CPUs for this session. Scheduler: ${scheduler}`);
    expect(scheduler).toMatch(/^0\/3 nodes are available: 3 Insufficient cpu/);
  });

  it('reports a pod being deleted as stopping', async () => {
    // A finalizer holds the pod in Terminating (kwok deletes pods at once otherwise).
    const body = pod('stopping', 'registry.example/analysis:1');
    body.metadata = { name: 'stopping', finalizers: ['daas.calipsoplus.eu/test-hold'] };
    await core.createNamespacedPod({ namespace: ns.name, body });
    await diagnosisOf('stopping', 'Running', {}, (p) =>
      Boolean(p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')),
    );
    await core.deleteNamespacedPod({ name: 'stopping', namespace: ns.name });
    const { d } = await diagnosisOf('stopping', 'Pending');
    expect(d).toEqual({ state: 'Pending', reason: 'Stopping', message: 'The session is stopping.' });
    const live = await read('stopping');
    if (live.metadata) live.metadata.finalizers = [];
    await core.replaceNamespacedPod({ name: 'stopping', namespace: ns.name, body: live });
    await eventually('pod gone', async () => {
      const left = await read('stopping').catch(() => undefined);
      return diagnosePod(left, new Date()).state === 'Absent' ? true : undefined;
    });
  });
});
