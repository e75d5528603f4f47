// What a session's pod is doing, in plain words: the pure diagnosis the session reconciler calls to
// decide the session's phase and message, and to fail fast on states that will not fix themselves
// (an image that cannot be pulled, a container that cannot be created, a crash loop). Every message
// starts with plain words a scientist understands and ends with what Kubernetes itself said, for
// admins. Timestamps may be Date (typed client) or string (raw watch events); both are accepted.
import { quantityValue as parseQuantity } from '../../../../runtime/quantity.ts';
import type { V1Container, V1ContainerStatus, V1Pod, V1PodCondition } from '@kubernetes/client-node';
import { isSessionReason, type SessionReason } from '../../../../crds/index.ts';
import { formatWait } from '../../../../runtime/duration.ts';
import { clusterDisruption } from './disruption.ts';

export type PodDiagnosis =
  | { state: 'Absent' }
  /**
   * Still coming up (scheduling, pulling, starting) or going away (reason `Stopping`). `recheckAt`
   * is set when the diagnosis will change at that time even if the pod does not (the image-pull
   * grace deadline): requeue then.
   */
  | { state: 'Pending'; reason: SessionReason; message: string; recheckAt?: Date }
  /** The scheduler found no node; `shortResources` names what no node has enough of. */
  | { state: 'Unschedulable'; reason: 'Unschedulable'; message: string; shortResources: string[] }
  | { state: 'Running'; ready: boolean; podIP?: string; nodeName?: string; startedAt?: Date; message: string }
  /**
   * Fail fast: waiting longer will not help. Reasons: ImagePullFailed, InvalidImageName,
   * ErrImageNeverPull, CreateContainerConfigError, CreateContainerError, CrashLoop, SessionExited,
   * or the pod's own status reason (Evicted, DeadlineExceeded, ...; PodFailed when it has none).
   * `disrupted`: the cluster ended the pod (its node was lost, a drain, a preemption), in words that
   * complete "restarted because ...": the session is restarted rather than failed (disruption.ts).
   */
  | { state: 'Failed'; reason: SessionReason; message: string; disrupted?: string };

export interface DiagnosisOptions {
  /** Whether a node exists (absent: unknown), to tell a pod lost with its node from a failed one. */
  nodeExists?: (name: string) => boolean;
  /** How long image pull errors are tolerated, from scheduling (default 2 minutes). */
  imagePullGraceMs?: number;
  /** Restarts after which a container that keeps terminating is a crash loop (default 3). */
  crashLoopRestarts?: number;
}

export const defaultImagePullGraceMs = 120_000;
export const defaultCrashLoopRestarts = 3;

const imagePullRetrying = new Set<string>(['ErrImagePull', 'ImagePullBackOff'] satisfies SessionReason[]);
const imageFatal = new Set<string>(['InvalidImageName', 'ErrImageNeverPull'] satisfies SessionReason[]);
const createFatal = new Set<string>([
  'CreateContainerConfigError',
  'CreateContainerError',
] satisfies SessionReason[]);
/** Kubelet waiting reasons reported as they are; any other is `Starting`, with the kubelet's word in the message. */
const startingReasons = new Set<string>(['ContainerCreating', 'PodInitializing'] satisfies SessionReason[]);
/** Pod failure reasons reported as they are; any other is `PodFailed`, with Kubernetes' words in the message. */
const podFailureReasons = new Set<string>(['Evicted', 'DeadlineExceeded'] satisfies SessionReason[]);

/** `reason` as a SessionReason when it is in `known`, else `fallback`. */
function known(reason: string, set: ReadonlySet<string>, fallback: SessionReason): SessionReason {
  return set.has(reason) && isSessionReason(reason) ? reason : fallback;
}

export function diagnosePod(pod: V1Pod | undefined, now: Date, options: DiagnosisOptions = {}): PodDiagnosis {
  if (!pod) return { state: 'Absent' };
  const status = pod.status ?? {};
  if (pod.metadata?.deletionTimestamp) {
    return { state: 'Pending', reason: 'Stopping', message: 'The session is stopping.' };
  }
  if (status.phase === 'Failed') {
    const disrupted = clusterDisruption(pod, options.nodeExists);
    return disrupted ? { ...podFailed(pod), disrupted } : podFailed(pod);
  }
  if (status.phase === 'Succeeded') {
    const exit = lastTermination(status.containerStatuses ?? []);
    return {
      state: 'Failed',
      reason: 'SessionExited',
      message: `The session's process ${exit ?? 'exited'}, so the session ended.`,
    };
  }
  const scheduled = status.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
    return unschedulable(pod, scheduled.message ?? '');
  }
  const since =
    toDate(scheduled?.status === 'True' ? scheduled.lastTransitionTime : undefined) ??
    toDate(pod.metadata?.creationTimestamp) ??
    now;
  return containerTrouble(pod, since, now, options) ?? podProgress(pod, scheduled);
}

/** Init containers first (they run first), then the session's: the first that cannot go on. */
function containerStatuses(pod: V1Pod): { s: V1ContainerStatus; init: boolean }[] {
  return [
    ...(pod.status?.initContainerStatuses ?? []).map((s) => ({ s, init: true })),
    ...(pod.status?.containerStatuses ?? []).map((s) => ({ s, init: false })),
  ];
}

/**
 * What the containers say that waiting will not fix (a bad image, a container that cannot be
 * created, a crash loop, an image that cannot be pulled past the grace period), or an image pull
 * still within its grace; undefined when no container is in trouble.
 */
function containerTrouble(
  pod: V1Pod,
  since: Date,
  now: Date,
  options: DiagnosisOptions,
): PodDiagnosis | undefined {
  const graceMs = options.imagePullGraceMs ?? defaultImagePullGraceMs;
  const crashLoopRestarts = options.crashLoopRestarts ?? defaultCrashLoopRestarts;
  let pulling: PodDiagnosis | undefined;
  for (const { s, init } of containerStatuses(pod)) {
    const who = containerLabel(pod, s.name, init);
    const waiting = s.state?.waiting;
    const reason = waiting?.reason ?? '';
    const kubelet = waiting?.message ? ` Kubelet: ${waiting.message}` : '';
    if (imageFatal.has(reason)) {
      const why =
        reason === 'InvalidImageName'
          ? `The image name "${s.image}" of ${who} is not a valid image reference.`
          : `The image "${s.image}" of ${who} is not on the node and its pull policy is Never.`;
      return { state: 'Failed', reason: known(reason, imageFatal, 'PodFailed'), message: `${why}${kubelet}` };
    }
    if (createFatal.has(reason)) {
      return {
        state: 'Failed',
        reason: known(reason, createFatal, 'PodFailed'),
        message: `${capitalize(who)} could not be created${createHint(waiting?.message ?? '')}.${kubelet}`,
      };
    }
    const terminated = s.lastState?.terminated;
    if (reason === 'CrashLoopBackOff' || (s.restartCount >= crashLoopRestarts && terminated)) {
      return { state: 'Failed', reason: 'CrashLoop', message: crashMessage(pod, s, who, init) };
    }
    if (imagePullRetrying.has(reason)) {
      const registry = registryMessage(waiting?.message ?? '');
      const hint = registryHint(registry);
      const elapsed = now.getTime() - since.getTime();
      if (elapsed > graceMs) {
        return {
          state: 'Failed',
          reason: 'ImagePullFailed',
          message:
            `The image "${s.image}" could not be pulled for ${formatWait(elapsed)}${hint}; ` +
            `check the image name and that its registry is reachable. Registry: ${registry || reason}`,
        };
      }
      pulling ??= {
        state: 'Pending',
        reason: known(reason, imagePullRetrying, 'Starting'),
        message:
          `Cannot pull the image "${s.image}" yet${hint}; retrying for up to ${formatWait(graceMs)}. ` +
          `Registry: ${registry || reason}`,
        recheckAt: new Date(since.getTime() + graceMs + 1),
      };
    }
  }
  return pulling;
}

/** Where a pod with no trouble is: running (ready or not), on an unreachable node, or on its way. */
function podProgress(pod: V1Pod, scheduled: V1PodCondition | undefined): PodDiagnosis {
  const status = pod.status ?? {};
  const nodeName = pod.spec?.nodeName;
  if (status.phase === 'Running') {
    const ready = status.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
    const startedAt = latestStart(status.containerStatuses ?? []) ?? toDate(status.startTime);
    return {
      state: 'Running',
      ready,
      ...(status.podIP ? { podIP: status.podIP } : {}),
      ...(nodeName ? { nodeName } : {}),
      ...(startedAt ? { startedAt } : {}),
      message: ready ? 'The session is running.' : 'The session is starting.',
    };
  }
  if (status.phase === 'Unknown') {
    return {
      state: 'Pending',
      reason: 'NodeUnreachable',
      message: `The node running the session${nodeName ? ` (${nodeName})` : ''} is not responding.`,
    };
  }
  if (!nodeName) {
    if (scheduled?.status === 'False' && scheduled.reason === 'SchedulingGated') {
      return {
        state: 'Pending',
        reason: 'SchedulingGated',
        message: 'The session is waiting to be scheduled.',
      };
    }
    return { state: 'Pending', reason: 'Scheduling', message: 'Looking for a node to run the session.' };
  }
  const waiting = containerStatuses(pod).find(({ s }) => s.state?.waiting)?.s.state?.waiting;
  const reason = waiting?.reason ?? 'ContainerCreating';
  const what = reason === 'PodInitializing' ? 'Preparing the session' : 'Starting the session';
  return {
    state: 'Pending',
    reason: known(reason, startingReasons, 'Starting'),
    message: `${what} on node ${nodeName} (${reason}).${waiting?.message ? ` Kubelet: ${waiting.message}` : ''}`,
  };
}

// ---------------------------------------------------------------------------------------------
// Scheduling

interface SchedulerVerdict {
  shortResources: string[];
  /** Plain-words reasons other than resource shortages, with node counts. */
  constraints: string[];
}

/** Parses kube-scheduler's FitError message ("0/3 nodes are available: 1 Insufficient cpu, ..."). */
export function parseSchedulerMessage(message: string): SchedulerVerdict {
  const shortResources: string[] = [];
  const constraints: string[] = [];
  // "0/3 nodes are available: <count> <reason>, ... ." then what other plugins add (for instance
  // "no new claims to deallocate, preemption: ..."), which says nothing about the nodes' fit.
  const after = /nodes are available:\s*(.*)$/s.exec(message)?.[1] ?? message;
  const body = after.split(/\.(?:\s|$)/)[0] ?? '';
  for (const raw of body.split(/,\s+(?=\d+\s)/)) {
    const item = raw.trim().replace(/\.$/, '');
    const m = /^(\d+)\s+(.*)$/s.exec(item);
    const count = m ? Number(m[1]) : undefined;
    const text = m?.[2] ?? item;
    const insufficient = /^Insufficient\s+(\S+)$/.exec(text);
    if (insufficient?.[1]) {
      if (!shortResources.includes(insufficient[1])) shortResources.push(insufficient[1]);
      continue;
    }
    if (/^Too many pods$/i.test(text)) {
      if (!shortResources.includes('pods')) shortResources.push('pods');
      continue;
    }
    const constraint = describeConstraint(text, count);
    if (constraint) constraints.push(constraint);
  }
  return { shortResources, constraints };
}

/** "2 nodes do not match ...", in plain words; undefined for what has no plain rendering. */
function describeConstraint(text: string, count: number | undefined): string | undefined {
  const one = count === 1;
  const subject = count === undefined ? 'Some nodes' : one ? '1 node' : `${count} nodes`;
  const verb = (singular: string, plural: string) => `${subject} ${one ? singular : plural}`;
  if (/didn't match Pod's node affinity\/selector/.test(text)) {
    return verb(
      "does not match the session's node selector or affinity",
      "do not match the session's node selector or affinity",
    );
  }
  const taint = /had untolerated taint\s*\{([^:}]*)/.exec(text);
  if (taint) {
    const key = taint[1]?.trim() ?? '';
    return verb(
      `has a taint the session does not tolerate (${key})`,
      `have a taint the session does not tolerate (${key})`,
    );
  }
  if (/were unschedulable/.test(text))
    return verb('is cordoned (closed to new work)', 'are cordoned (closed to new work)');
  if (/didn't have free ports/.test(text))
    return verb('has no free port the session asks for', 'have no free port the session asks for');
  if (/volume node affinity conflict/.test(text))
    return verb('cannot reach the storage the session needs', 'cannot reach the storage the session needs');
  if (/didn't match pod anti-affinity rules/.test(text))
    return verb("conflicts with the session's anti-affinity", "conflict with the session's anti-affinity");
  if (/didn't match pod affinity rules/.test(text))
    return verb("does not match the session's pod affinity", "do not match the session's pod affinity");
  return undefined;
}

/** What the scheduler said, in plain words with the amounts the pod asks for (VM launchers too). */
export function unschedulable(pod: V1Pod, schedulerMessage: string): PodDiagnosis {
  const { shortResources, constraints } = parseSchedulerMessage(schedulerMessage);
  const sentences: string[] = [];
  if (shortResources.length === 1 && shortResources[0]) {
    sentences.push(`No node has ${amountOf(pod, shortResources[0], 'free')} for this session.`);
  } else if (shortResources.length > 1) {
    const list = shortResources.map((r) => amountOf(pod, r, '')).join(', ');
    sentences.push(`No node has enough free resources for this session: it needs ${list}.`);
  }
  if (constraints.length) {
    const lead = shortResources.length ? 'Also: ' : 'No node can run this session: ';
    sentences.push(`${lead}${constraints.join('; ')}.`);
  }
  if (/unbound immediate PersistentVolumeClaims/.test(schedulerMessage)) {
    sentences.push('A storage volume of the session is not ready yet.');
  }
  if (!sentences.length) sentences.push('No node can run this session right now.');
  return {
    state: 'Unschedulable',
    reason: 'Unschedulable',
    message: `${sentences.join(' ')} Scheduler: ${schedulerMessage}`.trim(),
    shortResources,
  };
}

/** "8 free GPUs (nvidia.com/gpu)", "100 free CPUs", "300 GiB of free memory", from the pod's requests. */
function amountOf(pod: V1Pod, resource: string, adjective: 'free' | ''): string {
  const free = adjective ? 'free ' : '';
  const amount = podRequest(pod, resource);
  if (isGpu(resource)) {
    const n = amount === undefined ? 'enough ' : `${formatNumber(amount)} `;
    return `${n}${free}${amount === 1 ? 'GPU' : 'GPUs'} (${resource})`;
  }
  if (resource === 'cpu') {
    const n = amount === undefined ? 'enough ' : `${formatNumber(amount)} `;
    return `${n}${free}${amount === 1 ? 'CPU' : 'CPUs'}`;
  }
  if (resource === 'pods') return 'room for another pod';
  const names: Record<string, string> = { memory: 'memory', 'ephemeral-storage': 'local disk space' };
  const name = names[resource] ?? (resource.startsWith('hugepages-') ? `huge pages (${resource})` : resource);
  if (amount === undefined) return `enough ${free}${name}`;
  const bytes =
    resource === 'memory' || resource === 'ephemeral-storage' || resource.startsWith('hugepages-');
  return `${bytes ? formatBytes(amount) : formatNumber(amount)} of ${free}${name}`;
}

function isGpu(resource: string): boolean {
  return /gpu/i.test(resource);
}

/** The pod's effective request: max(sum of containers, largest init container) plus overhead. */
function podRequest(pod: V1Pod, resource: string): number | undefined {
  const of = (c: V1Container) => {
    const q = c.resources?.requests?.[resource] ?? c.resources?.limits?.[resource];
    return q === undefined ? undefined : parseQuantity(q);
  };
  let found = false;
  let sum = 0;
  for (const c of pod.spec?.containers ?? []) {
    const v = of(c);
    if (v !== undefined) {
      found = true;
      sum += v;
    }
  }
  let total = sum;
  for (const c of pod.spec?.initContainers ?? []) {
    const v = of(c);
    if (v !== undefined) {
      found = true;
      total = c.restartPolicy === 'Always' ? total + v : Math.max(total, v);
    }
  }
  const overhead = pod.spec?.overhead?.[resource];
  if (overhead !== undefined) total += parseQuantity(overhead) ?? 0;
  return found ? total : undefined;
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Math.round(n * 1000) / 1000);
}

function formatBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${formatNumber(Math.round(value * 10) / 10)} ${units[unit] ?? 'bytes'}`;
}

// ---------------------------------------------------------------------------------------------
// Containers

function containerLabel(pod: V1Pod, name: string, init: boolean): string {
  const several = (pod.spec?.containers.length ?? 0) + (pod.spec?.initContainers?.length ?? 0) > 1;
  if (init) return `the session's init container "${name}"`;
  return several ? `the session's container "${name}"` : "the session's container";
}

function createHint(kubelet: string): string {
  const secret = /secret "([^"]+)" not found/i.exec(kubelet);
  if (secret) return `: the Secret "${secret[1] ?? ''}" it needs does not exist`;
  const configMap = /configmap "([^"]+)" not found/i.exec(kubelet);
  if (configMap) return `: the ConfigMap "${configMap[1] ?? ''}" it needs does not exist`;
  const key = /couldn't find key (\S+) in (Secret|ConfigMap) (\S+)/i.exec(kubelet);
  if (key) return `: the ${key[2] ?? ''} ${key[3] ?? ''} has no key ${key[1] ?? ''}`;
  if (/runAsNonRoot and image will run as root/.test(kubelet)) {
    return ': the image runs as root, which sessions may not do';
  }
  if (/executable file not found/.test(kubelet)) return ': its command does not exist in the image';
  return '';
}

function crashMessage(pod: V1Pod, s: V1ContainerStatus, who: string, init: boolean): string {
  const t = s.lastState?.terminated ?? s.state?.terminated;
  const restarts = s.restartCount === 1 ? 'has restarted once' : `has restarted ${s.restartCount} times`;
  const kubelet = s.state?.waiting?.message ? ` Kubelet: ${s.state.waiting.message}` : '';
  const detail = t?.message ? ` Last message: ${t.message.trim()}` : '';
  if (t?.reason === 'OOMKilled') {
    const limit = memoryLimit(pod, s.name, init);
    return (
      `${capitalize(who)} ran out of memory${limit ? ` (limit ${limit})` : ''} and was killed ` +
      `(exit code ${t.exitCode}); it ${restarts}. Ask for more memory for this session.${detail}${kubelet}`
    );
  }
  const how = t ? exitDescription(t.exitCode, t.reason, t.signal) : 'keeps stopping';
  const start =
    t?.reason === 'StartError' || t?.reason === 'ContainerCannotRun' ? ' could not start and' : '';
  return `${capitalize(who)}${start} keeps crashing: it ${how} and ${restarts}.${detail}${kubelet}`;
}

const signals: Record<number, string> = {
  1: 'SIGHUP',
  2: 'SIGINT',
  6: 'SIGABRT',
  9: 'SIGKILL',
  11: 'SIGSEGV',
  15: 'SIGTERM',
};

function exitDescription(exitCode: number, reason?: string, signal?: number): string {
  const why = reason ? ` (${reason})` : '';
  const sig = signal ?? (exitCode > 128 && exitCode < 160 ? exitCode - 128 : undefined);
  if (sig !== undefined) {
    const name = signals[sig] ? ` ${signals[sig]}` : '';
    const plain = sig === 11 ? ', a segmentation fault' : '';
    return `was killed by signal ${sig}${name}${plain} (exit code ${exitCode})${why}`;
  }
  return `exited with code ${exitCode}${why}`;
}

function memoryLimit(pod: V1Pod, name: string, init: boolean): string | undefined {
  const list = init ? pod.spec?.initContainers : pod.spec?.containers;
  const q = list?.find((c) => c.name === name)?.resources?.limits?.memory;
  const bytes = q === undefined ? undefined : parseQuantity(q);
  return bytes === undefined ? undefined : formatBytes(bytes);
}

function lastTermination(statuses: V1ContainerStatus[]): string | undefined {
  const t = statuses.map((s) => s.state?.terminated).find((x) => x);
  return t ? exitDescription(t.exitCode, t.reason, t.signal) : undefined;
}

function latestStart(statuses: V1ContainerStatus[]): Date | undefined {
  let latest: Date | undefined;
  for (const s of statuses) {
    const d = toDate(s.state?.running?.startedAt);
    if (d && (!latest || d > latest)) latest = d;
  }
  return latest;
}

function podFailed(pod: V1Pod): Extract<PodDiagnosis, { state: 'Failed' }> {
  const status = pod.status ?? {};
  const reason = known(status.reason ?? '', podFailureReasons, 'PodFailed');
  const k8s = status.message ? ` Kubernetes: ${status.message}` : '';
  const oom = [...(status.containerStatuses ?? [])].find((s) => s.state?.terminated?.reason === 'OOMKilled');
  let plain: string;
  if (reason === 'Evicted')
    plain = 'The session was evicted from its node (the node ran short of resources).';
  else if (reason === 'DeadlineExceeded') plain = 'The session reached its time limit and was stopped.';
  else if (oom) plain = 'The session ran out of memory and was killed. Ask for more memory for this session.';
  else {
    const exit = lastTermination(status.containerStatuses ?? []);
    plain = `The session's pod failed${exit ? `: its process ${exit}` : ''}.`;
  }
  return { state: 'Failed', reason, message: `${plain}${k8s}` };
}

// ---------------------------------------------------------------------------------------------
// Image pulls

/** The registry's own words from a kubelet ErrImagePull / ImagePullBackOff message. */
function registryMessage(kubelet: string): string {
  const backOff = /^Back-off pulling image "[^"]*"(?::\s*(?:ErrImagePull:\s*)?(.*))?$/s.exec(kubelet.trim());
  if (backOff) return backOff[1]?.trim() || kubelet.trim();
  return kubelet.trim();
}

function registryHint(registry: string): string {
  if (/no such host|server misbehaving|name resolution/i.test(registry)) {
    return " (the registry's host name is unknown)";
  }
  if (/not found|manifest unknown|NotFound/i.test(registry)) return ' (the image or its tag does not exist)';
  if (/unauthorized|authentication required|denied|forbidden/i.test(registry)) {
    return ' (the registry refused access)';
  }
  if (/timeout|connection refused|network is unreachable|i\/o timeout/i.test(registry)) {
    return ' (the registry cannot be reached)';
  }
  return '';
}

// ---------------------------------------------------------------------------------------------
// Helpers

function toDate(v: Date | string | undefined | null): Date | undefined {
  if (v === undefined || v === null) return undefined;
  const d = v instanceof Date ? v : new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
