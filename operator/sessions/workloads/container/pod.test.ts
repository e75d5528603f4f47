import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  buildInput,
  gpuImage,
  image,
  jupyterImage,
  proposalNamespace,
  session,
  vncImage,
} from '../../fixtures.ts';
import { generatePod } from './pod.ts';
import { effectiveResources } from '../../resources.ts';
import type { BuildInput } from '../../types.ts';

function pod(input: BuildInput): V1Pod {
  const result = generatePod(input);
  if (!result.ok) throw new Error(`${result.error.field}: ${result.error.message}`);
  return result.value;
}

function withImage(img: typeof jupyterImage, s = session('quick-look', {}, img.metadata.name)): BuildInput {
  return buildInput({ image: img, session: s });
}

const container = (p: V1Pod) => p.spec?.containers[0];
const env = (p: V1Pod) =>
  Object.fromEntries((container(p)?.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));

describe('generatePod', () => {
  it('meets the Pod Security "restricted" profile with the proposal uid/gid', () => {
    const p = pod(buildInput());
    expect(p.spec?.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 24510,
      runAsGroup: 24510,
      fsGroup: 24510,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container(p)?.securityContext).toEqual({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(p.spec).toMatchObject({
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      restartPolicy: 'Always',
    });
    expect(p.spec?.volumes?.some((v) => v.nfs || v.hostPath)).toBe(false);
  });

  it('names, labels and hosts the pod after the session and its machine name', () => {
    const p = pod(buildInput());
    expect(p.metadata).toMatchObject({
      name: 'daas-quick-look',
      namespace: 'proposal-mx-2451',
      labels: { 'daas.calipsoplus.eu/session': 'quick-look', 'app.kubernetes.io/name': 'daas-session' },
    });
    expect(p.metadata?.ownerReferences).toBeUndefined();
    expect(p.spec?.hostname).toBe('zealous-hermann');
  });

  it('runs the image container with requests equal to limits', () => {
    const c = container(pod(buildInput()));
    expect(c).toMatchObject({
      name: 'session',
      image: 'quay.io/jupyter/scipy-notebook:2025-06-02',
      imagePullPolicy: 'IfNotPresent',
      args: ['start-notebook.py', '--ServerApp.base_url=/sessions/quick-look/'],
      ports: [{ name: 'http', containerPort: 8888, protocol: 'TCP' }],
      readinessProbe: { tcpSocket: { port: 8888 } },
    });
    const amounts = { cpu: '2', memory: '8Gi', 'ephemeral-storage': '20Gi' };
    expect(c?.resources).toEqual({ requests: amounts, limits: amounts });
  });

  it('tells a Jupyter session where things are and reads its token from the Secret', () => {
    expect(env(pod(buildInput()))).toEqual({
      DAAS_SESSION: 'quick-look',
      DAAS_PROPOSAL: 'MX-2451',
      DAAS_OWNER: 'akowalska',
      DAAS_MACHINE_NAME: 'zealous-hermann',
      DAAS_DATA_DIR: '/data',
      DAAS_BEAMLINE: 'id16a',
      DAAS_PROCESSED_DIR: '/data/processed',
      DAAS_HOME_DIR: '/data/home',
      DAAS_BASE_PATH: '/sessions/quick-look/',
      JUPYTER_TOKEN: { secretKeyRef: { name: 'daas-quick-look', key: 'token' } },
      JUPYTER_ENABLE_LAB: 'yes',
    });
  });

  it('never lets the image override the token or the data paths', () => {
    const sneaky = image('sneaky', {
      container: {
        image: 'x:1',
        env: [
          { name: 'JUPYTER_TOKEN', value: 'known' },
          { name: 'DAAS_DATA_DIR', value: '/' },
          { name: 'OTHER', value: 'for {session}' },
        ],
      },
    });
    const e = pod(withImage(sneaky)).spec?.containers[0]?.env ?? [];
    expect(e.filter((v) => v.name === 'JUPYTER_TOKEN')).toEqual([
      { name: 'JUPYTER_TOKEN', valueFrom: { secretKeyRef: { name: 'daas-quick-look', key: 'token' } } },
    ]);
    expect(e.filter((v) => v.name === 'DAAS_DATA_DIR')).toEqual([{ name: 'DAAS_DATA_DIR', value: '/data' }]);
    expect(e.find((v) => v.name === 'OTHER')?.value).toBe('for quick-look');
  });

  it('gives a VNC desktop its password from the Secret and a sized /dev/shm', () => {
    const p = pod(withImage(vncImage));
    expect(env(p)['VNC_PASSWORD']).toEqual({ secretKeyRef: { name: 'daas-quick-look', key: 'password' } });
    expect(env(p)['JUPYTER_TOKEN']).toBeUndefined();
    expect(env(p)['DAAS_BASE_PATH']).toBeUndefined();
    expect(container(p)?.ports).toEqual([{ name: 'vnc', containerPort: 5901, protocol: 'TCP' }]);
    expect(p.spec?.volumes).toContainEqual({ name: 'shm', emptyDir: { medium: 'Memory', sizeLimit: '2Gi' } });
    expect(container(p)?.volumeMounts).toContainEqual({ name: 'shm', mountPath: '/dev/shm' });
  });

  it('caps /dev/shm at the memory limit it is charged to', () => {
    const big = image('big-shm', {
      container: { image: 'x:1', sharedMemory: '16Gi' },
      access: { protocol: 'vnc', port: 5901 },
    });
    const input = withImage(big);
    input.resources = { ...input.resources, memory: '4Gi' };
    expect(pod(input).spec?.volumes).toContainEqual({
      name: 'shm',
      emptyDir: { medium: 'Memory', sizeLimit: '4Gi' },
    });
  });

  it('leaves /dev/shm to the runtime when the image does not size it', () => {
    expect(pod(buildInput()).spec?.volumes?.some((v) => v.name === 'shm')).toBe(false);
  });

  it('puts GPU sessions on GPU nodes with the GPU resource, node selector and toleration', () => {
    const p = pod(withImage(gpuImage));
    const c = container(p);
    expect(c?.resources?.limits).toEqual({ cpu: '4', memory: '32Gi', 'nvidia.com/gpu': '1' });
    expect(c?.resources?.requests).toEqual(c?.resources?.limits);
    expect(p.spec?.nodeSelector).toEqual({ 'nvidia.com/gpu.present': 'true' });
    expect(p.spec?.tolerations).toEqual([
      { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
    ]);
    expect(p.spec?.priorityClassName).toBe('daas-gpu');
  });

  it('asks for no GPU and tolerates no GPU taint when a GPU image session asks for 0 GPUs', () => {
    const s = session('cpu-only', { resources: { gpus: 0 } }, 'jupyter-gpu');
    const resources = effectiveResources(gpuImage, s);
    if (!resources.ok) throw new Error(resources.error.message);
    const p = pod({ ...withImage(gpuImage, s), resources: resources.value });
    expect(Object.keys(container(p)?.resources?.limits ?? {})).toEqual(['cpu', 'memory']);
    expect(p.spec?.tolerations).toBeUndefined();
  });

  it('mounts the proposal data at the documented paths', () => {
    const s = session('quick-look', {
      data: {
        wholeProposal: true,
        mounts: [{ name: 'beamtime-march', experimentSession: '2025-03-12', subPath: 'raw/sample_A' }],
      },
    });
    const mounts = container(pod(buildInput({ session: s })))?.volumeMounts;
    expect(mounts?.map((m) => [m.mountPath, m.readOnly])).toEqual([
      ['/data/raw', true],
      ['/data/processed', false],
      ['/data/home', false],
      ['/data/beamtime-march', true],
    ]);
  });

  it.each([
    [
      'the namespace uid',
      { namespace: { ...proposalNamespace, uid: 0 } },
      'namespace proposal-mx-2451 uid annotation',
    ],
    [
      'the namespace gid',
      { namespace: { ...proposalNamespace, gid: 0 } },
      'namespace proposal-mx-2451 gid annotation',
    ],
  ] as const)('refuses root from %s', (_what, overrides, field) => {
    const result = generatePod(buildInput(overrides));
    expect(result.ok || result.error).toMatchObject({ reason: 'RootNotAllowed', field });
  });

  it('falls back to the image uid, then the configured default, and never to root', () => {
    const noIds = { name: 'proposal-mx-2451', proposal: 'MX-2451', beamline: 'id16a' };
    const fromImage = pod(buildInput({ image: gpuImage, namespace: noIds }));
    expect(fromImage.spec?.securityContext).toMatchObject({
      runAsUser: 1000,
      runAsGroup: 65534,
      fsGroup: 65534,
    });
    const fromConfig = pod(buildInput({ namespace: noIds }));
    expect(fromConfig.spec?.securityContext).toMatchObject({ runAsUser: 65534, runAsGroup: 65534 });
    const rootImage = image('root', { container: { image: 'x:1', runAsUser: 0 } });
    const refused = generatePod(buildInput({ image: rootImage, namespace: noIds }));
    expect(refused.ok || refused.error).toEqual({
      reason: 'RootNotAllowed',
      field: 'SessionImage root spec.container.runAsUser',
      message: 'sessions never run as root, but SessionImage root spec.container.runAsUser gives uid 0',
    });
    const input = buildInput({ namespace: noIds });
    const rootConfig = generatePod({ ...input, config: { ...input.config, defaultGid: 0 } });
    expect(rootConfig.ok || rootConfig.error.field).toBe('config.defaultGid');
  });

  it('passes data refusals through', () => {
    const s = session();
    s.spec.data = {
      wholeProposal: false,
      mounts: [{ name: 'x', subPath: '../../other-proposal', readOnly: true }],
    };
    const result = generatePod(buildInput({ session: s }));
    expect(result.ok || result.error).toMatchObject({
      reason: 'InvalidDataPath',
      field: 'spec.data.mounts[0].subPath',
    });
  });

  it('refuses a VM image', () => {
    const vm = structuredClone(jupyterImage);
    vm.spec.runtime = 'vm';
    delete vm.spec.container;
    const result = generatePod(buildInput({ image: vm }));
    expect(result.ok || result.error.reason).toBe('ImageNotContainer');
  });
});
