// Table-driven tests of diagnosePod on status objects shaped like what kube-scheduler and the
// kubelet (containerd) write, with timestamps as strings (raw watch events) and as Dates.
import type { V1ContainerStatus, V1Pod, V1PodCondition } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { quantityValue as parseQuantity } from '../../../../runtime/quantity.ts';
import { diagnosePod, parseSchedulerMessage, type PodDiagnosis } from './diagnosis.ts';

const now = new Date('2026-11-26T12:10:00Z');
const scheduledAt = '2026-11-26T12:00:00Z'; // ten minutes before now
const image = 'registry.example/daas/jupyter:2026.1';

// The API returns Dates through the typed client and strings through raw watches: accept both.
const t = (iso: string) => iso as unknown as Date;

function cond(type: string, status: 'True' | 'False', extra: Partial<V1PodCondition> = {}): V1PodCondition {
  return { type, status, lastProbeTime: undefined, lastTransitionTime: t(scheduledAt), ...extra };
}

const scheduled = cond('PodScheduled', 'True');
const notReady = [
  cond('PodReadyToStartContainers', 'True'),
  cond('Initialized', 'True'),
  cond('Ready', 'False', { reason: 'ContainersNotReady', message: 'containers with unready status: [main]' }),
  cond('ContainersReady', 'False', {
    reason: 'ContainersNotReady',
    message: 'containers with unready status: [main]',
  }),
  scheduled,
];
const ready = [
  cond('PodReadyToStartContainers', 'True'),
  cond('Initialized', 'True'),
  cond('Ready', 'True'),
  cond('ContainersReady', 'True'),
  scheduled,
];

function pod(
  status: V1Pod['status'],
  opts: { resources?: Record<string, string>; deleting?: boolean } = {},
): V1Pod {
  const resources = opts.resources ?? { cpu: '2', memory: '4Gi' };
  return {
    metadata: {
      name: 'zealous-hermann',
      namespace: 'proposal-20261234',
      uid: '7c8253e1-98c6-4d58-bb8a-2e605893200e',
      creationTimestamp: t('2026-11-26T11:59:58Z'),
      ...(opts.deleting ? { deletionTimestamp: t('2026-11-26T12:09:30Z') } : {}),
    },
    spec: {
      nodeName: status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'True')
        ? 'kwok-cpu-1'
        : undefined,
      containers: [{ name: 'main', image, resources: { requests: resources, limits: resources } }],
    },
    status,
  };
}

function container(
  state: V1ContainerStatus['state'],
  extra: Partial<V1ContainerStatus> = {},
): V1ContainerStatus {
  return { name: 'main', image, imageID: '', ready: false, restartCount: 0, started: false, state, ...extra };
}

const pullError =
  'rpc error: code = NotFound desc = failed to pull and unpack image "registry.example/daas/jupyter:2026.1": ' +
  'failed to resolve reference "registry.example/daas/jupyter:2026.1": ' +
  'registry.example/daas/jupyter:2026.1: not found';

function pulling(reason: 'ErrImagePull' | 'ImagePullBackOff', since = scheduledAt): V1Pod {
  const message =
    reason === 'ErrImagePull' ? pullError : `Back-off pulling image "${image}": ErrImagePull: ${pullError}`;
  const p = pod({
    phase: 'Pending',
    conditions: notReady.map((c) =>
      c.type === 'PodScheduled' ? cond('PodScheduled', 'True', { lastTransitionTime: t(since) }) : c,
    ),
    containerStatuses: [container({ waiting: { reason, message } })],
    hostIP: '127.0.0.1',
    podIP: '127.1.1.7',
    startTime: t(since),
  });
  return p;
}

function crashing(
  restartCount: number,
  terminated: { exitCode: number; reason: string },
  waiting = true,
): V1Pod {
  return pod({
    phase: 'Running',
    conditions: notReady,
    containerStatuses: [
      container(
        waiting
          ? {
              waiting: {
                reason: 'CrashLoopBackOff',
                message: `back-off 40s restarting failed container=main pod=zealous-hermann_proposal-20261234(7c8253e1-98c6-4d58-bb8a-2e605893200e)`,
              },
            }
          : { running: { startedAt: t('2026-11-26T12:09:50Z') } },
        {
          restartCount,
          started: !waiting,
          lastState: {
            terminated: {
              ...terminated,
              startedAt: t('2026-11-26T12:09:00Z'),
              finishedAt: t('2026-11-26T12:09:01Z'),
              containerID: 'containerd://5d2f0c0d',
            },
          },
        },
      ),
    ],
    podIP: '127.1.1.7',
  });
}

const gpuMessage =
  "0/3 nodes are available: 1 Insufficient nvidia.com/gpu, 2 node(s) didn't match Pod's node affinity/selector. " +
  'no new claims to deallocate, preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, ' +
  '2 Preemption is not helpful for scheduling.';

function unschedulable(message: string, resources: Record<string, string>): V1Pod {
  return pod(
    {
      phase: 'Pending',
      qosClass: 'Burstable',
      conditions: [
        cond('PodScheduled', 'False', {
          reason: 'Unschedulable',
          message,
          lastTransitionTime: t(scheduledAt),
        }),
      ],
    },
    { resources },
  );
}

type Case = [name: string, pod: V1Pod | undefined, expected: Record<string, unknown>, options?: object];

const cases: Case[] = [
  ['no pod', undefined, { state: 'Absent' }],
  [
    'a pod being deleted is stopping',
    pod({ phase: 'Running', conditions: ready }, { deleting: true }),
    { state: 'Pending', reason: 'Stopping', message: 'The session is stopping.' },
  ],
  [
    'a pod not yet scheduled',
    pod({ phase: 'Pending', qosClass: 'Burstable' }),
    { state: 'Pending', reason: 'Scheduling', message: 'Looking for a node to run the session.' },
  ],
  [
    'a scheduled pod creating its container',
    pod({
      phase: 'Pending',
      conditions: [cond('Initialized', 'True'), ...notReady.slice(2)],
      containerStatuses: [container({ waiting: { reason: 'ContainerCreating' } })],
      hostIP: '127.0.0.1',
      startTime: t(scheduledAt),
    }),
    {
      state: 'Pending',
      reason: 'ContainerCreating',
      message: 'Starting the session on node kwok-cpu-1 (ContainerCreating).',
    },
  ],
  [
    'unschedulable for lack of GPUs, with the request and the scheduler message',
    unschedulable(gpuMessage, { 'nvidia.com/gpu': '8' }),
    {
      state: 'Unschedulable',
      reason: 'Unschedulable',
      shortResources: ['nvidia.com/gpu'],
      message:
        "No node has 8 free GPUs (nvidia.com/gpu) for this session. Also: 2 nodes do not match the session's " +
        `node selector or affinity. Scheduler: ${gpuMessage}`,
    },
  ],
  [
    'unschedulable for lack of CPUs and memory',
    unschedulable(
      '0/3 nodes are available: 3 Insufficient cpu, 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.',
      { cpu: '100', memory: '600Gi' },
    ),
    {
      state: 'Unschedulable',
      shortResources: ['cpu', 'memory'],
      message: expect.stringMatching(
        /^No node has enough free resources for this session: it needs 100 CPUs, 600 GiB of memory\. Scheduler: 0\/3/,
      ) as unknown,
    },
  ],
  [
    'unschedulable because of a taint and a node selector only',
    unschedulable(
      "0/3 nodes are available: 1 node(s) had untolerated taint {nvidia.com/gpu: present}, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
      { cpu: '1' },
    ),
    {
      state: 'Unschedulable',
      shortResources: [],
      message: expect.stringMatching(
        /^No node can run this session: 1 node has a taint the session does not tolerate \(nvidia\.com\/gpu\); 2 nodes do not match the session's node selector or affinity\. Scheduler: /,
      ) as unknown,
    },
  ],
  [
    'an image pull error within the grace period is still pending',
    pulling('ErrImagePull', '2026-11-26T12:09:30Z'),
    {
      state: 'Pending',
      reason: 'ErrImagePull',
      message: `Cannot pull the image "${image}" yet (the image or its tag does not exist); retrying for up to 2 minutes. Registry: ${pullError}`,
      recheckAt: new Date('2026-11-26T12:11:30.001Z'),
    },
  ],
  [
    'image pull back-off past the grace period fails, naming the image and the registry message',
    pulling('ImagePullBackOff'),
    {
      state: 'Failed',
      reason: 'ImagePullFailed',
      message: `The image "${image}" could not be pulled for 10 minutes (the image or its tag does not exist); check the image name and that its registry is reachable. Registry: ${pullError}`,
    },
  ],
  [
    'the grace period is an option',
    pulling('ImagePullBackOff', '2026-11-26T12:09:57Z'),
    { state: 'Failed', reason: 'ImagePullFailed' },
    { imagePullGraceMs: 2000 },
  ],
  [
    'an invalid image name fails at once',
    pod({
      phase: 'Pending',
      conditions: notReady,
      containerStatuses: [
        container({
          waiting: {
            reason: 'InvalidImageName',
            message:
              'Failed to apply default image tag "Registry.example/UPPER:1": couldn\'t parse image name "Registry.example/UPPER:1": invalid reference format: repository name must be lowercase',
          },
        }),
      ],
    }),
    {
      state: 'Failed',
      reason: 'InvalidImageName',
      message: expect.stringMatching(/is not a valid image reference\. Kubelet: Failed to apply/) as unknown,
    },
  ],
  [
    'an image that may never be pulled fails at once',
    pod({
      phase: 'Pending',
      conditions: notReady,
      containerStatuses: [
        container({
          waiting: {
            reason: 'ErrImageNeverPull',
            message: `Container image "${image}" is not present with pull policy of Never`,
          },
        }),
      ],
    }),
    { state: 'Failed', reason: 'ErrImageNeverPull' },
  ],
  [
    'a missing secret fails at once with the kubelet message',
    pod({
      phase: 'Pending',
      conditions: notReady,
      containerStatuses: [
        container({
          waiting: {
            reason: 'CreateContainerConfigError',
            message: 'secret "zealous-hermann-token" not found',
          },
        }),
      ],
    }),
    {
      state: 'Failed',
      reason: 'CreateContainerConfigError',
      message:
        'The session\'s container could not be created: the Secret "zealous-hermann-token" it needs does not exist. Kubelet: secret "zealous-hermann-token" not found',
    },
  ],
  [
    'a container the runtime cannot create fails at once',
    pod({
      phase: 'Pending',
      conditions: notReady,
      containerStatuses: [
        container({
          waiting: {
            reason: 'CreateContainerError',
            message:
              'failed to generate container "5d2f" spec: failed to generate spec: path "/data/raw" is mounted on "/" but it is not a shared or slave mount',
          },
        }),
      ],
    }),
    {
      state: 'Failed',
      reason: 'CreateContainerError',
      message: expect.stringMatching(
        /^The session's container could not be created\. Kubelet: failed to generate/,
      ) as unknown,
    },
  ],
  [
    'CrashLoopBackOff fails with the exit code and reason',
    crashing(1, { exitCode: 1, reason: 'Error' }),
    {
      state: 'Failed',
      reason: 'CrashLoop',
      message:
        "The session's container keeps crashing: it exited with code 1 (Error) and has restarted once. Kubelet: back-off 40s restarting failed container=main pod=zealous-hermann_proposal-20261234(7c8253e1-98c6-4d58-bb8a-2e605893200e)",
    },
  ],
  [
    'an out-of-memory crash loop says so and suggests more memory',
    crashing(2, { exitCode: 137, reason: 'OOMKilled' }),
    {
      state: 'Failed',
      reason: 'CrashLoop',
      message: expect.stringMatching(
        /^The session's container ran out of memory \(limit 4 GiB\) and was killed \(exit code 137\); it has restarted 2 times\. Ask for more memory for this session\. Kubelet: back-off/,
      ) as unknown,
    },
  ],
  [
    'a running container restarted as often as the threshold is a crash loop',
    crashing(3, { exitCode: 139, reason: 'Error' }, false),
    {
      state: 'Failed',
      reason: 'CrashLoop',
      message:
        "The session's container keeps crashing: it was killed by signal 11 SIGSEGV, a segmentation fault (exit code 139) (Error) and has restarted 3 times.",
    },
  ],
  [
    'below the restart threshold a restarted container is starting',
    crashing(2, { exitCode: 1, reason: 'Error' }, false),
    {
      state: 'Running',
      ready: false,
      podIP: '127.1.1.7',
      nodeName: 'kwok-cpu-1',
      startedAt: new Date('2026-11-26T12:09:50Z'),
      message: 'The session is starting.',
    },
  ],
  [
    'the restart threshold is an option',
    crashing(2, { exitCode: 1, reason: 'Error' }, false),
    { state: 'Failed', reason: 'CrashLoop' },
    { crashLoopRestarts: 2 },
  ],
  [
    'an evicted pod has failed',
    pod({
      phase: 'Failed',
      reason: 'Evicted',
      message:
        'The node was low on resource: ephemeral-storage. Threshold quantity: 10Gi, available: 8Gi. Container main was using 30Gi, request is 0, has larger consumption of ephemeral-storage.',
      conditions: [cond('DisruptionTarget', 'True', { reason: 'TerminationByKubelet' }), ...notReady],
    }),
    {
      state: 'Failed',
      reason: 'Evicted',
      message: expect.stringMatching(
        /^The session was evicted from its node .* Kubernetes: The node was low on resource/,
      ) as unknown,
    },
  ],
  [
    'a failed pod without a reason',
    pod({
      phase: 'Failed',
      conditions: notReady,
      containerStatuses: [
        container({
          terminated: { exitCode: 2, reason: 'Error', startedAt: t(scheduledAt), finishedAt: t(scheduledAt) },
        }),
      ],
    }),
    {
      state: 'Failed',
      reason: 'PodFailed',
      message: "The session's pod failed: its process exited with code 2 (Error).",
    },
  ],
  [
    'a pod whose process exited normally has ended',
    pod({
      phase: 'Succeeded',
      conditions: notReady,
      containerStatuses: [container({ terminated: { exitCode: 0, reason: 'Completed' } })],
    }),
    {
      state: 'Failed',
      reason: 'SessionExited',
      message: "The session's process exited with code 0 (Completed), so the session ended.",
    },
  ],
  [
    'a running, ready pod',
    pod({
      phase: 'Running',
      conditions: ready,
      containerStatuses: [
        container(
          { running: { startedAt: new Date('2026-11-26T12:00:05Z') } },
          { ready: true, started: true },
        ),
      ],
      podIP: '127.1.1.7',
      podIPs: [{ ip: '127.1.1.7' }],
      startTime: t(scheduledAt),
    }),
    {
      state: 'Running',
      ready: true,
      podIP: '127.1.1.7',
      nodeName: 'kwok-cpu-1',
      startedAt: new Date('2026-11-26T12:00:05Z'),
      message: 'The session is running.',
    },
  ],
  [
    'a running pod not ready yet is starting',
    pod({
      phase: 'Running',
      conditions: notReady,
      containerStatuses: [
        container({ running: { startedAt: t('2026-11-26T12:00:05Z') } }, { started: true }),
      ],
      podIP: '127.1.1.7',
    }),
    { state: 'Running', ready: false, message: 'The session is starting.' },
  ],
];

describe('diagnosePod', () => {
  it.each(cases)('%s', (_name, input, expected, options) => {
    const d: PodDiagnosis = diagnosePod(input, now, options);
    expect(d).toMatchObject(expected);
  });

  it('returns exactly the fields of its state', () => {
    expect(Object.keys(diagnosePod(pulling('ImagePullBackOff'), now)).sort()).toEqual([
      'message',
      'reason',
      'state',
    ]);
  });
});

describe('parseSchedulerMessage', () => {
  it.each([
    [
      '0/3 nodes are available: 3 Insufficient nvidia.com/gpu. no new claims to deallocate, preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
      ['nvidia.com/gpu'],
    ],
    [
      '0/3 nodes are available: 1 Insufficient cpu, 1 Insufficient memory, 1 Too many pods.',
      ['cpu', 'memory', 'pods'],
    ],
    [
      '0/5 nodes are available: 2 Insufficient example.com/fpga, 3 Insufficient hugepages-1Gi. preemption: 0/5 nodes are available: 5 No preemption victims found for incoming pod.',
      ['example.com/fpga', 'hugepages-1Gi'],
    ],
    [
      '0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
      [],
    ],
    ['no nodes available to schedule pods', []],
  ])('%s', (message, resources) => {
    expect(parseSchedulerMessage(message).shortResources).toEqual(resources);
  });
});

describe('quantityValue (one parser, in runtime/quantity.ts)', () => {
  it.each([
    ['500m', 0.5],
    ['2', 2],
    ['4Gi', 4 * 2 ** 30],
    ['1.5G', 1.5e9],
    ['1e3', 1000],
    ['12Mi', 12 * 2 ** 20],
    ['nonsense', undefined],
  ])('%s', (q, n) => {
    expect(parseQuantity(q)).toBe(n);
  });
});
