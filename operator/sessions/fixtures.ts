// Test fixtures: catalogue images and sessions as the API server would return them (parsed by the
// API's own zod schemas, so defaults are applied exactly as in production).
import {
  analysisSession,
  sessionImage,
  type AnalysisSession,
  type AnalysisSessionInput,
  type SessionImage,
  type SessionImageInput,
} from '../../crds/index.ts';
import { effectiveResources } from './resources.ts';
import type { BuildInput, ProposalNamespace, SessionsConfig } from './types.ts';

const lifecycle = { defaultLifetime: '8h', maxLifetime: '72h' };

export function image(name: string, spec: Partial<SessionImageInput['spec']> = {}): SessionImage {
  return sessionImage.parse({
    apiVersion: 'daas.calipsoplus.eu/v1alpha1',
    kind: 'SessionImage',
    metadata: { name },
    spec: {
      displayName: name,
      runtime: 'container',
      container: { image: 'quay.io/jupyter/scipy-notebook:2025-06-02' },
      access: { protocol: 'http', port: 8888 },
      lifecycle,
      ...spec,
    },
  });
}

export const jupyterImage = image('jupyter-scipy', {
  container: {
    image: 'quay.io/jupyter/scipy-notebook:2025-06-02',
    args: ['start-notebook.py', '--ServerApp.base_url=/sessions/{session}/'],
    env: [{ name: 'JUPYTER_ENABLE_LAB', value: 'yes' }],
  },
  access: { protocol: 'http', port: 8888, basePath: '/sessions/{session}/' },
  resources: {
    default: { cpu: 2, memory: '8Gi', disk: '20Gi' },
    max: { cpu: 16, memory: '64Gi', disk: '80Gi' },
  },
  activity: { signal: 'jupyter' },
});

export const vncImage = image('xfce-desktop', {
  container: { image: 'docker.io/accetto/ubuntu-vnc-xfce-g3:24.04', sharedMemory: '2Gi' },
  access: { protocol: 'vnc', port: 5901 },
  resources: { default: { cpu: 2, memory: '8Gi' }, max: { cpu: 8, memory: '32Gi' } },
  activity: { signal: 'connections' },
});

export const gpuImage = image('jupyter-gpu', {
  container: { image: 'quay.io/jupyter/pytorch-notebook:cuda12-2025-06-02', runAsUser: 1000 },
  access: { protocol: 'http', port: 8888, basePath: '/sessions/{session}/' },
  resources: {
    default: { cpu: 4, memory: '32Gi', gpus: 1 },
    max: { cpu: 16, memory: '128Gi', gpus: 2 },
    gpuResourceName: 'nvidia.com/gpu',
  },
  scheduling: { nodeSelector: { 'nvidia.com/gpu.present': 'true' }, priorityClassName: 'daas-gpu' },
});

export function session(
  name = 'quick-look',
  spec: Partial<AnalysisSessionInput['spec']> = {},
  imageName = 'jupyter-scipy',
): AnalysisSession {
  return analysisSession.parse({
    apiVersion: 'daas.calipsoplus.eu/v1alpha1',
    kind: 'AnalysisSession',
    metadata: { name, namespace: 'proposal-mx-2451', uid: '3f1c2a9e-0000-4000-8000-000000000001' },
    spec: { image: imageName, owner: 'akowalska', proposal: 'MX-2451', ...spec },
  });
}

export const proposalNamespace: ProposalNamespace = {
  name: 'proposal-mx-2451',
  proposal: 'MX-2451',
  beamline: 'id16a',
  dataRoot: '/data/visitor/mx2451/id16a',
  uid: 24510,
  gid: 24510,
};

export const config: SessionsConfig = {
  data: {
    nfsServer: 'nfs.facility.example',
    proposalPath: '/data/{beamline}/{proposal}',
    experimentPath: '{proposalPath}/{experimentSession}',
    processedPath: '/processed/{proposal}',
    homePath: '/home/{owner}',
    mountRoot: '/data',
  },
  gateway: { namespace: 'daas-system', podLabels: { 'app.kubernetes.io/name': 'daas-dashboard' } },
  egress: {
    mode: 'internet',
    dns: { namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' } },
    nfs: ['192.0.2.10/32'],
    blocked: ['10.244.0.0/16', '10.96.0.0/12', '169.254.0.0/16', 'fe80::/10'],
  },
  defaultUid: 65534,
  defaultGid: 65534,
};

/** A complete BuildInput; `overrides` replace whole top-level parts. */
export function buildInput(overrides: Partial<BuildInput> = {}): BuildInput {
  const s = overrides.session ?? session();
  const img = overrides.image ?? jupyterImage;
  const resources = effectiveResources(img, s);
  if (!resources.ok) throw new Error(resources.error.message);
  return {
    session: s,
    image: img,
    namespace: proposalNamespace,
    machineName: 'zealous-hermann',
    resources: resources.value,
    config,
    ...overrides,
  };
}
