// The ground every later test stands on: a real kube-apiserver with a real scheduler placing pods on
// kwok's fake nodes, loopback pod IPs, GPU capacity, and CRDs that can be served and watched.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ApiextensionsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  VersionApi,
  Watch,
  type KubeConfig,
  type V1Pod,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestNamespace, eventually, testKubeConfig } from '../../testing/kube.ts';
import { ensureBinaries } from './binaries.ts';
import { installCrds } from './crds.ts';

const here = dirname(fileURLToPath(import.meta.url));
const expectedVersion = /KUBERNETES_VERSION=(\S+)/.exec(
  readFileSync(join(here, 'versions.env'), 'utf8'),
)?.[1];

let kc: KubeConfig;
let core: CoreV1Api;
let ns: { name: string; remove: () => Promise<void> };

beforeAll(async () => {
  kc = testKubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  ns = await createTestNamespace(kc, 'cp');
});

afterAll(async () => {
  await ns.remove();
});

function pod(name: string, resources: Record<string, string> = { cpu: '100m', memory: '64Mi' }): V1Pod {
  return {
    metadata: { name },
    spec: {
      containers: [
        {
          name: 'main',
          image: 'registry.example/analysis:1',
          resources: { requests: resources, limits: resources },
        },
      ],
    },
  };
}

function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const toInt = (a: string) => a.split('.').reduce((n, o) => (n << 8) + Number(o), 0) >>> 0;
  const mask = bits === '0' ? 0 : (~0 << (32 - Number(bits))) >>> 0;
  return (toInt(ip) & mask) === (toInt(base ?? '') & mask);
}

describe('local control plane', () => {
  it('serves the Kubernetes version it was built as', async () => {
    const version = await kc.makeApiClient(VersionApi).getCode();
    console.log(`kube-apiserver ${version.gitVersion} (go ${version.goVersion}, ${version.platform})`);
    expect(version.gitVersion).toBe(expectedVersion);
    expect(version.major).toBe('1');
  });

  it('has three Ready fake nodes with loopback podCIDRs, one with 4 GPUs', async () => {
    const nodes = (await core.listNode({ labelSelector: 'type=kwok' })).items;
    expect(nodes.map((n) => n.metadata?.name).sort()).toEqual(['kwok-cpu-1', 'kwok-cpu-2', 'kwok-gpu-1']);
    for (const node of nodes) {
      expect(node.spec?.podCIDR).toMatch(/^127\./);
      expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    }
    const gpu = nodes.filter((n) => n.status?.allocatable?.['nvidia.com/gpu'] === '4');
    expect(gpu.map((n) => n.metadata?.name)).toEqual(['kwok-gpu-1']);
    expect(gpu[0]?.metadata?.labels?.['nvidia.com/gpu.present']).toBe('true');
  });

  it('schedules a pod onto a fake node and runs it with a loopback IP from the node podCIDR', async () => {
    await core.createNamespacedPod({ namespace: ns.name, body: pod('hello') });
    const running = await eventually('pod Running', async () => {
      const p = await core.readNamespacedPod({ name: 'hello', namespace: ns.name });
      return p.status?.phase === 'Running' && p.status.podIP ? p : undefined;
    });
    const nodeName = running.spec?.nodeName ?? '';
    expect(nodeName).toMatch(/^kwok-/);
    expect(running.status?.conditions?.find((c) => c.type === 'PodScheduled')?.status).toBe('True');
    const node = await core.readNode({ name: nodeName });
    const ip = running.status?.podIP ?? '';
    expect(ip).toMatch(/^127\./);
    expect(inCidr(ip, node.spec?.podCIDR ?? '')).toBe(true);
    // kube-scheduler, not a default: the Scheduled event names the scheduler and the node.
    const events = await eventually('Scheduled event', async () => {
      const list = await core.listNamespacedEvent({
        namespace: ns.name,
        fieldSelector: 'involvedObject.name=hello,reason=Scheduled',
      });
      return list.items.length ? list.items : undefined;
    });
    expect(events[0]?.source?.component ?? events[0]?.reportingComponent).toBe('default-scheduler');
    expect(events[0]?.message).toContain(nodeName);
  });

  it('puts a GPU pod on the GPU node', async () => {
    await core.createNamespacedPod({ namespace: ns.name, body: pod('gpu-2', { 'nvidia.com/gpu': '2' }) });
    const p = await eventually('GPU pod Running', async () => {
      const x = await core.readNamespacedPod({ name: 'gpu-2', namespace: ns.name });
      return x.status?.phase === 'Running' ? x : undefined;
    });
    expect(p.spec?.nodeName).toBe('kwok-gpu-1');
  });

  it('leaves a pod asking for 8 GPUs Pending and Unschedulable, naming the resource', async () => {
    await core.createNamespacedPod({ namespace: ns.name, body: pod('gpu-8', { 'nvidia.com/gpu': '8' }) });
    const condition = await eventually('Unschedulable condition', async () => {
      const x = await core.readNamespacedPod({ name: 'gpu-8', namespace: ns.name });
      const c = x.status?.conditions?.find((y) => y.type === 'PodScheduled');
      return c?.reason === 'Unschedulable' ? { phase: x.status?.phase, c } : undefined;
    });
    expect(condition.phase).toBe('Pending');
    expect(condition.c.status).toBe('False');
    expect(condition.c.message).toContain('nvidia.com/gpu');
  });

  it('removes a deleted pod', async () => {
    await core.createNamespacedPod({ namespace: ns.name, body: pod('short-lived') });
    await eventually('pod Running', async () => {
      const x = await core.readNamespacedPod({ name: 'short-lived', namespace: ns.name });
      return x.status?.phase === 'Running' ? true : undefined;
    });
    await core.deleteNamespacedPod({ name: 'short-lived', namespace: ns.name });
    await eventually('pod gone', async () => {
      const list = await core.listNamespacedPod({
        namespace: ns.name,
        fieldSelector: 'metadata.name=short-lived',
      });
      return list.items.length === 0 ? true : undefined;
    });
  });

  it('serves, watches and deletes objects of an applied CustomResourceDefinition', async () => {
    const ext = kc.makeApiClient(ApiextensionsV1Api);
    const group = 'cp-test.daas.calipsoplus.eu';
    const crdName = `widgets.${group}`;
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: crdName },
      spec: {
        group,
        scope: 'Namespaced',
        names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: { type: 'object', properties: { size: { type: 'integer', maximum: 10 } } },
                },
              },
            },
          },
        ],
      },
    };
    const dir = await mkdtemp(join(tmpdir(), 'daas-widget-crd-'));
    await writeFile(join(dir, 'widgets.yaml'), JSON.stringify(crd));
    // The launcher's and the tests' way to install CRDs: returns once the resources are served.
    await installCrds(inject('kubeconfig'), await ensureBinaries(), dir);
    try {
      const custom = kc.makeApiClient(CustomObjectsApi);
      const body = { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 3 } };
      await custom.createNamespacedCustomObject({
        group,
        version: 'v1',
        namespace: ns.name,
        plural: 'widgets',
        body,
      });
      await expect(
        custom.createNamespacedCustomObject({
          group,
          version: 'v1',
          namespace: ns.name,
          plural: 'widgets',
          body: { ...body, metadata: { name: 'w2' }, spec: { size: 11 } },
        }),
      ).rejects.toThrow(/spec.size/);
      // A watch without a resourceVersion first replays what exists, then streams changes.
      const seen: string[] = [];
      let watchError: unknown;
      const req = await new Watch(kc).watch(
        `/apis/${group}/v1/namespaces/${ns.name}/widgets`,
        {},
        (type, obj: { metadata: { name: string } }) => {
          seen.push(`${type} ${obj.metadata.name}`);
        },
        (err: unknown) => {
          watchError = err;
        },
      );
      try {
        await eventually('ADDED replayed', () => (seen.includes('ADDED w1') ? true : undefined), 10_000);
        await custom.deleteNamespacedCustomObject({
          group,
          version: 'v1',
          namespace: ns.name,
          plural: 'widgets',
          name: 'w1',
        });
        await eventually('DELETED streamed', () => (seen.includes('DELETED w1') ? true : undefined), 10_000);
        expect(seen).toEqual(['ADDED w1', 'DELETED w1']);
        expect(watchError).toBeUndefined();
      } finally {
        req.abort();
      }
    } finally {
      await ext.deleteCustomResourceDefinition({ name: crdName });
      await rm(dir, { recursive: true, force: true });
    }
  });
});
