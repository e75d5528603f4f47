// What the local session runner starts for one session pod, read from the pod alone as a kubelet
// would: the container's access port (named by its protocol), its plain environment, and where its
// secret values come from. A VM's virt-launcher pod (simulated KubeVirt) stands for its guest: its
// declared port, and the guest's cloud-init Secret mounted into it. Pure; the runner resolves the
// Secret and starts the processes.
import { SESSION_ANNOTATION } from '../../../crds/labels.ts';
import type { Pod } from '../../../runtime/resources.ts';
import { BOOTSTRAP_VOLUME_SUFFIX, LAUNCHER_LABEL } from '../kubevirt-sim/simulation.ts';
import { USER_DATA_KEY } from './guest.ts';

export interface SecretRef {
  name: string;
  key: string;
}

interface Common {
  /** The pod's key, namespace/name: one workload per pod. */
  key: string;
  namespace: string;
  session: string;
  /** The pod's loopback address and the image's access port: the only place anything listens. */
  ip: string;
  port: number;
  /** The container's plain environment (DAAS_SESSION, DAAS_PROPOSAL, …), never a secret value. */
  env: Record<string, string>;
  machineName: string;
}

export type SessionWorkload =
  | (Common & { kind: 'jupyter'; basePath: string; token: SecretRef })
  /** `guest`: the password is in the VM guest's cloud-init user data that `password` names. */
  | (Common & { kind: 'desktop'; password: SecretRef; guest?: boolean });

export type WorkloadResult = { ok: true; value: SessionWorkload } | { ok: false; skip: string };

const skip = (why: string): WorkloadResult => ({ ok: false, skip: why });

/** A dotted-quad in 127.0.0.0/8, the only addresses a fake pod may have here. */
export function isLoopback(ip: string | undefined): ip is string {
  const parts = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip ?? '');
  return parts !== null && parts.slice(1).every((p) => Number(p) <= 255);
}

/**
 * The workload of a session pod, or why there is none (yet): only Running pods on kwok's fake nodes
 * (`fakeNodes`) with a loopback IP, not being deleted, whose container serves http or vnc.
 */
export function workloadOf(pod: Pod, fakeNodes: ReadonlySet<string>): WorkloadResult {
  const { namespace = '', name = '' } = pod.metadata;
  if (pod.metadata.deletionTimestamp) return skip('being deleted');
  if (pod.status?.phase !== 'Running') return skip(`phase ${pod.status?.phase ?? 'unknown'}`);
  const node = pod.spec?.nodeName;
  if (!node || !fakeNodes.has(node)) return skip(`not on a fake (kwok) node: ${node ?? 'unscheduled'}`);
  const ip = pod.status.podIP;
  if (!isLoopback(ip)) return skip(`pod IP ${String(ip)} is not in 127.0.0.0/8`);
  const container = pod.spec?.containers[0];
  const port = container?.ports?.[0];
  if (!container || !port) return skip('no container port');
  const env: Record<string, string> = {};
  const secrets: Record<string, SecretRef> = {};
  for (const e of container.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef;
    if (ref?.name) secrets[e.name] = { name: ref.name, key: ref.key };
    else if (e.value !== undefined) env[e.name] = e.value;
  }
  const common: Common = {
    key: `${namespace}/${name}`,
    namespace,
    session: pod.metadata.annotations?.[SESSION_ANNOTATION] ?? name,
    ip,
    port: port.containerPort,
    env,
    machineName: env.DAAS_MACHINE_NAME ?? pod.spec?.hostname ?? name,
  };
  if (pod.metadata.labels?.[LAUNCHER_LABEL] === 'virt-launcher') return guestWorkload(pod, common, port.name);
  if (port.name === 'http') {
    const token = secrets.JUPYTER_TOKEN;
    if (!token) return skip('an http session without JUPYTER_TOKEN from a Secret');
    return { ok: true, value: { ...common, kind: 'jupyter', basePath: env.DAAS_BASE_PATH ?? '/', token } };
  }
  if (port.name === 'vnc') {
    const password = secrets.VNC_PASSWORD;
    if (!password) return skip('a vnc session without VNC_PASSWORD from a Secret');
    return { ok: true, value: { ...common, kind: 'desktop', password } };
  }
  return skip(`protocol ${port.name ?? '(unnamed port)'} has no local runner`);
}

/** A VM's guest (simulated), from its launcher pod: a vnc desktop whose password cloud-init carries. */
function guestWorkload(pod: Pod, common: Common, protocol: string | undefined): WorkloadResult {
  if (protocol !== 'vnc')
    return skip(`a VM guest serving ${protocol ?? '(unnamed port)'} has no local runner`);
  const secretName = pod.spec?.volumes?.find((v) => v.name.endsWith(BOOTSTRAP_VOLUME_SUFFIX))?.secret
    ?.secretName;
  if (!secretName) return skip('a VM guest without its cloud-init Secret mounted');
  return {
    ok: true,
    value: { ...common, kind: 'desktop', password: { name: secretName, key: USER_DATA_KEY }, guest: true },
  };
}

/** What must match for a running process to stay: anything else changed means stop and start again. */
export function fingerprint(w: SessionWorkload): string {
  return JSON.stringify(w);
}

export interface Plan {
  start: SessionWorkload[];
  stop: string[];
}

/** Level-triggered: from what should run and what runs (key → fingerprint), what to stop and start. */
export function plan(desired: readonly SessionWorkload[], running: ReadonlyMap<string, string>): Plan {
  const wanted = new Map(desired.map((w) => [w.key, w]));
  const stopped = new Set<string>();
  for (const [key, fp] of running) {
    const w = wanted.get(key);
    if (!w || fingerprint(w) !== fp) stopped.add(key);
  }
  const start = desired.filter((w) => !running.has(w.key) || stopped.has(w.key));
  return { start, stop: [...stopped] };
}
