// The parts every component's Deployment shares: the restricted security context, a writable /tmp on
// a read-only root, probes on the runtime's health server, and RBAC objects from rule lists.
import type { V1Container, V1PodSecurityContext, V1Probe } from '@kubernetes/client-node';
import type { PolicyRule } from './rbac.ts';
import { componentLabels, IMAGE, SITE_CONFIG, SYSTEM_NAMESPACE } from './names.ts';

type Manifest = Record<string, unknown>;

const podSecurityContext: V1PodSecurityContext = {
  runAsNonRoot: true,
  // The image's own non-root user (the distroless "nonroot" user).
  runAsUser: 65532,
  runAsGroup: 65532,
  seccompProfile: { type: 'RuntimeDefault' },
};

const containerSecurityContext: V1Container['securityContext'] = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};

function probe(path: string, port: string, periodSeconds: number): V1Probe {
  return { httpGet: { path, port }, periodSeconds, timeoutSeconds: 5, failureThreshold: 3 };
}

export interface ContainerOptions {
  name: string;
  args: string[];
  ports: { name: string; containerPort: number }[];
  resources: V1Container['resources'];
  /** The named port of the health server (/healthz, /readyz). */
  healthPort: string;
  /** Secret files beside the writable /tmp: name, mount path, Secret (optional: the pod starts without it). */
  secretFiles?: { name: string; mountPath: string; secretName: string; optional?: boolean }[];
}

/** One container of the project's image: settings from the site ConfigMap, probes, a /tmp volume. */
export function container(options: ContainerOptions): V1Container {
  return {
    name: options.name,
    image: IMAGE,
    // The image's entrypoint is node (Dockerfile): args name the script and its flags.
    args: options.args,
    ports: options.ports.map((p) => ({ ...p, protocol: 'TCP' })),
    envFrom: [{ configMapRef: { name: SITE_CONFIG } }],
    env: [{ name: 'NODE_ENV', value: 'production' }],
    resources: options.resources,
    livenessProbe: probe('/healthz', options.healthPort, 20),
    readinessProbe: probe('/readyz', options.healthPort, 10),
    securityContext: containerSecurityContext,
    volumeMounts: [
      { name: 'tmp', mountPath: '/tmp' },
      ...(options.secretFiles ?? []).map((f) => ({ name: f.name, mountPath: f.mountPath, readOnly: true })),
    ],
  };
}

/** The volumes a container's secretFiles need. */
export function secretVolumes(options: ContainerOptions): object[] {
  return (options.secretFiles ?? []).map((f) => ({
    name: f.name,
    secret: { secretName: f.secretName, ...(f.optional ? { optional: true } : {}) },
  }));
}

const tmpVolume = { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } };

/** A component's Deployment: its ServiceAccount, the restricted pod security context, one container. */
export function deployment(
  name: string,
  options: {
    replicas: number;
    container: V1Container;
    strategy?: object;
    podSpec?: Record<string, unknown>;
    volumes?: object[];
  },
): Manifest {
  const labels = componentLabels(name);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: SYSTEM_NAMESPACE, labels },
    spec: {
      replicas: options.replicas,
      ...(options.strategy ? { strategy: options.strategy } : {}),
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: name,
          securityContext: podSecurityContext,
          ...options.podSpec,
          containers: [options.container],
          volumes: [tmpVolume, ...(options.volumes ?? [])],
        },
      },
    },
  };
}

/** ServiceAccount, ClusterRole and its binding, and a Role in the system namespace with its binding. */
export function serviceAccountWithRbac(name: string, clusterRules: PolicyRule[], namespaceRules: PolicyRule[]): Manifest[] {
  const labels = componentLabels(name);
  const subject = { kind: 'ServiceAccount', name, namespace: SYSTEM_NAMESPACE };
  const rbac = 'rbac.authorization.k8s.io/v1';
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: SYSTEM_NAMESPACE, labels } },
    { apiVersion: rbac, kind: 'ClusterRole', metadata: { name, labels }, rules: clusterRules },
    {
      apiVersion: rbac,
      kind: 'ClusterRoleBinding',
      metadata: { name, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: [subject],
    },
    { apiVersion: rbac, kind: 'Role', metadata: { name, namespace: SYSTEM_NAMESPACE, labels }, rules: namespaceRules },
    {
      apiVersion: rbac,
      kind: 'RoleBinding',
      metadata: { name, namespace: SYSTEM_NAMESPACE, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [subject],
    },
  ];
}
