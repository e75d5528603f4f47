// The session Pod: one container from the image, the proposal data, and a securityContext that meets
// the Pod Security "restricted" profile. Owner references are added by the reconciler.
//
// `{session}` in the image's command, args and env values is replaced by the session name, so an
// image can pass its base URL (e.g. --ServerApp.base_url=/sessions/{session}/); $(DAAS_BASE_PATH)
// works too (Kubernetes expands env references in command and args).
import type {
  V1Container,
  V1EnvVar,
  V1Pod,
  V1Toleration,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
import { dataMountRoot, dataVolumes, type DataVolumes } from '../../data-volumes.ts';
import {
  childName,
  fillSessionName,
  sessionAnnotations,
  sessionBasePath,
  sessionLabels,
} from '../../names.ts';
import { compareQuantities, parseQuantity, quantityString } from '../../../../runtime/quantity.ts';
import { SECRET_PASSWORD_KEY, SECRET_TOKEN_KEY } from '../../credentials.ts';
import { refuse, type BuildInput, type Result } from '../../types.ts';

export const CONTAINER_NAME = 'session';
export const SHM_VOLUME = 'shm';
const MAX_ID = 2147483647;

export interface Identity {
  uid: number;
  gid: number;
}

/** uid: proposal namespace, else image runAsUser, else config; gid: proposal namespace, else config. Never 0. */
export function sessionIdentity(input: BuildInput): Result<Identity> {
  const { namespace, image, config } = input;
  const uidSources: [number | undefined, string][] = [
    [namespace.uid, `namespace ${namespace.name} uid annotation`],
    [image.spec.container?.runAsUser, `SessionImage ${image.metadata.name} spec.container.runAsUser`],
    [config.defaultUid, 'config.defaultUid'],
  ];
  const gidSources: [number | undefined, string][] = [
    [namespace.gid, `namespace ${namespace.name} gid annotation`],
    [config.defaultGid, 'config.defaultGid'],
  ];
  const ids: number[] = [];
  for (const [what, sources] of [
    ['uid', uidSources],
    ['gid', gidSources],
  ] as const) {
    const found = sources.find(([value]) => value !== undefined);
    const [value, field] = found ?? [undefined, `config.default${what === 'uid' ? 'Uid' : 'Gid'}`];
    if (value === 0)
      return refuse('RootNotAllowed', field, `sessions never run as root, but ${field} gives ${what} 0`);
    if (value === undefined || !Number.isInteger(value) || value < 1 || value > MAX_ID)
      return refuse('InvalidIdentity', field, `${field} must give a ${what} between 1 and ${String(MAX_ID)}`);
    ids.push(value);
  }
  return { ok: true, value: { uid: ids[0] ?? 0, gid: ids[1] ?? 0 } };
}

function plain(name: string, value: string): V1EnvVar {
  return { name, value };
}

function fromSecret(name: string, secretName: string, key: string): V1EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: secretName, key } } };
}

/** The DAAS_* variables every session gets (credentials by Secret reference). */
export function operatorEnv(input: BuildInput): V1EnvVar[] {
  const { session, namespace, image, config, machineName } = input;
  const root = dataMountRoot(config.data);
  const env: V1EnvVar[] = [
    plain('DAAS_SESSION', session.metadata.name),
    plain('DAAS_PROPOSAL', namespace.proposal),
    plain('DAAS_OWNER', session.spec.owner),
    plain('DAAS_MACHINE_NAME', machineName),
    plain('DAAS_DATA_DIR', root),
  ];
  if (namespace.beamline !== undefined) env.push(plain('DAAS_BEAMLINE', namespace.beamline));
  if (session.spec.data?.wholeProposal) env.push(plain('DAAS_RAW_DIR', `${root}/raw`));
  if (config.data.processedPath !== undefined) env.push(plain('DAAS_PROCESSED_DIR', `${root}/processed`));
  if (config.data.homePath !== undefined) env.push(plain('DAAS_HOME_DIR', `${root}/home`));
  const secretName = childName(session.metadata.name);
  const protocol = image.spec.access.protocol;
  if (protocol === 'http') {
    env.push(plain('DAAS_BASE_PATH', sessionBasePath(input.session, input.image)));
    env.push(fromSecret('JUPYTER_TOKEN', secretName, SECRET_TOKEN_KEY));
  } else if (protocol === 'vnc') {
    env.push(fromSecret('VNC_PASSWORD', secretName, SECRET_PASSWORD_KEY));
  }
  return env;
}

/** Where a session may run (its pod, or its VM's): the image's priority class and node selector, and a toleration for its GPUs. */
export function placement(input: BuildInput): {
  priorityClassName?: string;
  nodeSelector?: Record<string, string>;
  tolerations?: V1Toleration[];
} {
  const { image, resources } = input;
  const scheduling = image.spec.scheduling;
  return {
    ...(scheduling?.priorityClassName ? { priorityClassName: scheduling.priorityClassName } : {}),
    // The image's node selector holds for all its sessions (GPU images use it to reach GPU nodes).
    ...(scheduling?.nodeSelector && Object.keys(scheduling.nodeSelector).length > 0
      ? { nodeSelector: { ...scheduling.nodeSelector } }
      : {}),
    ...(resources.gpus > 0
      ? { tolerations: [{ key: resources.gpuResourceName, operator: 'Exists', effect: 'NoSchedule' }] }
      : {}),
  };
}

/** The session's pod; `data` is the pass's data volumes (computed here when not given). */
export function generatePod(
  input: BuildInput,
  data: Result<DataVolumes> = dataVolumes(input),
): Result<V1Pod> {
  const { session, image, namespace, resources, machineName } = input;
  const container = image.spec.container;
  if (image.spec.runtime !== 'container' || !container)
    return refuse('ImageNotContainer', 'spec.image', `image ${image.metadata.name} is not a container image`);
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(machineName) || machineName.length > 63)
    return refuse(
      'InvalidMachineName',
      'status.machineName',
      `machine name ${JSON.stringify(machineName)} is not a DNS label`,
    );
  const identity = sessionIdentity(input);
  if (!identity.ok) return identity;
  if (!data.ok) return data;

  const name = childName(session.metadata.name);
  const fill = (s: string) => fillSessionName(s, session.metadata.name);
  const env = operatorEnv(input);
  // The operator's variables win: an image must not override the token or the data paths.
  const reserved = new Set(env.map((e) => e.name));
  for (const e of container.env ?? [])
    if (!reserved.has(e.name)) env.push(plain(e.name, fill(e.value ?? '')));

  const amounts: Record<string, string> = { cpu: resources.cpu, memory: resources.memory };
  if (resources.disk !== undefined) amounts['ephemeral-storage'] = resources.disk;
  if (resources.gpus > 0) amounts[resources.gpuResourceName] = String(resources.gpus);

  const volumes: V1Volume[] = [...data.value.volumes];
  const mounts: V1VolumeMount[] = [...data.value.mounts];
  if (container.sharedMemory !== undefined) {
    // Memory-backed: it counts against the memory limit, so it can never usefully be larger.
    const shm = quantityString(container.sharedMemory);
    const shmQ = parseQuantity(shm);
    const memQ = parseQuantity(resources.memory);
    const sizeLimit = shmQ && memQ && compareQuantities(shmQ, memQ) > 0 ? resources.memory : shm;
    volumes.push({ name: SHM_VOLUME, emptyDir: { medium: 'Memory', sizeLimit } });
    mounts.push({ name: SHM_VOLUME, mountPath: '/dev/shm' });
  }

  const access = image.spec.access;
  const main: V1Container = {
    name: CONTAINER_NAME,
    image: container.image,
    imagePullPolicy: container.imagePullPolicy,
    ...(container.command ? { command: container.command.map(fill) } : {}),
    ...(container.args ? { args: container.args.map(fill) } : {}),
    ...(container.workingDir ? { workingDir: container.workingDir } : {}),
    env,
    ports: [{ name: access.protocol, containerPort: access.port, protocol: 'TCP' }],
    resources: { requests: { ...amounts }, limits: { ...amounts } },
    securityContext: {
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    readinessProbe: { tcpSocket: { port: access.port }, periodSeconds: 5, failureThreshold: 3 },
    volumeMounts: mounts,
  };

  const pod: V1Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: namespace.name,
      labels: sessionLabels(session),
      annotations: sessionAnnotations(session),
    },
    spec: {
      hostname: machineName,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      restartPolicy: 'Always',
      securityContext: {
        runAsNonRoot: true,
        runAsUser: identity.value.uid,
        runAsGroup: identity.value.gid,
        fsGroup: identity.value.gid,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      ...placement(input),
      containers: [main],
      volumes,
    },
  };
  return { ok: true, value: pod };
}
