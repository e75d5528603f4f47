// What every drill shares: a private control plane (drills stop and start its components, so never the
// shared test cluster), a proposal with a catalogue image, the operator as real child processes with
// leader election on, and the timings and writes each drill prints.
import { DATA_LABEL, GROUP, VERSION } from '../crds/index.ts';
import {
  BENCH_NAMESPACE,
  benchSession,
  createAll,
  startBenchCluster,
  until,
  type BenchCluster,
} from '../bench/common.ts';
import {
  operatorWrites,
  startOperatorProcess,
  sumMetric,
  type OperatorProcess,
} from '../bench/operator-process.ts';

export { BENCH_NAMESPACE as DRILL_NAMESPACE };

export interface Drill extends BenchCluster {
  /** Every operator process started so far (stopped ones included), newest last. */
  operators: OperatorProcess[];
}

export interface SessionView {
  name: string;
  uid: string;
  phase: string | undefined;
  reason: string | undefined;
}

export const LEADER_FLAGS = [
  '--leader-elect=true',
  `--leader-election-namespace=${BENCH_NAMESPACE}`,
  '--leader-election-id=daas-drill',
];

/** Seconds from the environment (DRILL_OUTAGE=60 ...), for drills whose fault length is configurable. */
export function secondsFromEnv(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number of seconds`);
  return value;
}

/** Small requests, so the launcher's three fake nodes never limit a drill's sessions. */
const resources = { cpu: '10m', memory: '32Mi' };

export async function startDrill(): Promise<Drill> {
  const bench = await startBenchCluster(resources);
  return { ...bench, operators: [] };
}

/** Starts one more operator replica (leader election on); resolves once its caches are synced. */
export async function startOperator(drill: Drill, flags: readonly string[] = []): Promise<OperatorProcess> {
  const op = await startOperatorProcess(drill, [...LEADER_FLAGS, ...flags]);
  drill.operators.push(op);
  return op;
}

/**
 * The seed every drill starts from: a private control plane, `operators` replicas (the first leads)
 * started with `operatorFlags`, and `sessions` sessions Running; with the UIDs of the proposal's
 * data volumes, which no fault may delete.
 */
export async function seedDrill(
  sessions: number,
  operators = 1,
  /** Flags for every operator, made once the control plane is up (a kubeconfig through a proxy). */
  operatorFlags: (drill: Drill) => Promise<string[]> = () => Promise.resolve([]),
): Promise<{ drill: Drill; dataVolumes: Set<string> }> {
  const drill = await startDrill();
  try {
    const flags = await operatorFlags(drill);
    await startOperator(drill, flags);
    if (operators > 1) await leaderOf(drill);
    for (let i = 1; i < operators; i++) await startOperator(drill, flags);
    const first = sessionNames('before', sessions);
    await createSessions(drill, first);
    await waitRunning(drill, first, 120_000);
    return { drill, dataVolumes: await dataVolumeUids(drill) };
  } catch (err) {
    await stopDrill(drill);
    throw err;
  }
}

/** The UIDs of the proposal's data volumes and claims, to compare before and after a fault. */
export async function dataVolumeUids(drill: Drill): Promise<Set<string>> {
  const labelSelector = DATA_LABEL;
  const [volumes, claims] = await Promise.all([
    drill.core.listPersistentVolume({ labelSelector }),
    drill.core.listNamespacedPersistentVolumeClaim({ namespace: BENCH_NAMESPACE, labelSelector }),
  ]);
  return new Set([...volumes.items, ...claims.items].map((o) => o.metadata?.uid ?? ''));
}

export async function stopDrill(drill: Drill): Promise<void> {
  for (const op of drill.operators) await op.stop('SIGKILL');
  await drill.close();
}

export const alive = (op: OperatorProcess): boolean =>
  op.child.exitCode === null && op.child.signalCode === null;

/** Writes an operator made other than its Lease (creates, applies, status, deletes, Events). */
export async function workWrites(op: OperatorProcess): Promise<number> {
  const text = await op.metrics();
  return operatorWrites(text) - sumMetric(text, 'leader_election_lease_writes_total');
}

/** The summed work writes of the live operators, to take before and after a fault. */
export async function liveWorkWrites(drill: Drill): Promise<Map<OperatorProcess, number>> {
  const counts = new Map<OperatorProcess, number>();
  for (const op of drill.operators.filter(alive)) counts.set(op, await workWrites(op));
  return counts;
}

/** Writes the live operators made since `before` (a process started since counts from zero). */
export async function writesSince(drill: Drill, before: Map<OperatorProcess, number>): Promise<number> {
  let sum = 0;
  for (const op of drill.operators.filter(alive)) sum += (await workWrites(op)) - (before.get(op) ?? 0);
  return sum;
}

export async function createSessions(drill: Drill, names: readonly string[]): Promise<void> {
  await createAll(names, (name) =>
    drill.custom.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: BENCH_NAMESPACE,
      plural: 'analysissessions',
      body: benchSession(name),
    }),
  );
}

export async function listSessions(drill: Drill): Promise<SessionView[]> {
  const list = (await drill.custom.listNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace: BENCH_NAMESPACE,
    plural: 'analysissessions',
  })) as {
    items: { metadata: { name: string; uid: string }; status?: { phase?: string; reason?: string } }[];
  };
  return list.items.map((s) => ({
    name: s.metadata.name,
    uid: s.metadata.uid,
    phase: s.status?.phase,
    reason: s.status?.reason,
  }));
}

export const podReady = (pod: {
  status?: { phase?: string; conditions?: { type: string; status: string }[] };
}) =>
  pod.status?.phase === 'Running' &&
  pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

/** The drill's sessions and pods now; empty while the API server is away (drills cause that). */
async function sessionsAndPods(drill: Drill) {
  const [sessions, pods] = await Promise.all([
    listSessions(drill).catch(() => []),
    drill.core.listNamespacedPod({ namespace: BENCH_NAMESPACE }).catch(() => ({ items: [] })),
  ]);
  return { sessions, pods: pods.items };
}

/**
 * Waits until every named session (every session, without `names`) is Running with a Running, ready
 * pod; returns the milliseconds it took.
 */
export async function waitRunning(
  drill: Drill,
  names: readonly string[] | undefined,
  timeoutMs: number,
): Promise<number> {
  const started = performance.now();
  await until(
    async () => {
      const { sessions, pods } = await sessionsAndPods(drill);
      const ready = new Set(pods.filter(podReady).map((p) => p.metadata?.ownerReferences?.[0]?.uid));
      const byName = new Map(sessions.map((s) => [s.name, s]));
      return (names ?? [...byName.keys()]).every((n) => {
        const s = byName.get(n);
        return s?.phase === 'Running' && ready.has(s.uid);
      });
    },
    timeoutMs,
    100,
  ).catch(async (err: unknown) => {
    // Say where they are stuck: phase and reason, counted.
    const counts = new Map<string, number>();
    for (const s of await listSessions(drill)) {
      const key = `${String(s.phase)}/${String(s.reason)}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const where = [...counts].map(([k, n]) => `${k}=${String(n)}`).join(' ');
    throw new Error(`sessions not all Running after ${String(timeoutMs / 1000)} s: ${where}`, { cause: err });
  });
  return performance.now() - started;
}

/** Waits until each named session has a pod (the operator's part of starting it); returns the ms. */
export async function waitPods(drill: Drill, names: readonly string[], timeoutMs: number): Promise<number> {
  const started = performance.now();
  await until(
    async () => {
      const { sessions, pods } = await sessionsAndPods(drill);
      const owners = new Set(pods.map((p) => p.metadata?.ownerReferences?.[0]?.uid));
      const byName = new Map(sessions.map((s) => [s.name, s.uid]));
      return names.every((n) => owners.has(byName.get(n)));
    },
    timeoutMs,
    100,
  );
  return performance.now() - started;
}

/**
 * Waits until the operator has converged: every session that should run has its pod and its Secret,
 * and its status says what the pod says (Running exactly when the pod is ready; no session still
 * "Creating" once its pod exists). What the scheduler and the kubelet (kwok) do next is not the
 * operator's part: this is the time a drill holds the operator to. Returns the ms it took.
 */
export async function waitConverged(drill: Drill, timeoutMs: number): Promise<number> {
  const started = performance.now();
  let stuck: string[] = [];
  await until(
    async () => {
      const [sessions, pods, secrets] = await Promise.all([
        listSessions(drill).catch(() => undefined),
        drill.core.listNamespacedPod({ namespace: BENCH_NAMESPACE }).catch(() => undefined),
        drill.core.listNamespacedSecret({ namespace: BENCH_NAMESPACE }).catch(() => undefined),
      ]);
      if (!sessions || !pods || !secrets) return false;
      const podOf = new Map(pods.items.map((p) => [p.metadata?.ownerReferences?.[0]?.uid, p]));
      const secretOwners = new Set(secrets.items.map((s) => s.metadata?.ownerReferences?.[0]?.uid));
      stuck = sessions
        .filter((s) => !ENDED_PHASES.has(s.phase ?? ''))
        .filter((s) => {
          const pod = podOf.get(s.uid);
          if (!pod || !secretOwners.has(s.uid) || s.phase === undefined || s.reason === 'Creating')
            return true;
          return (s.phase === 'Running') !== podReady(pod);
        })
        .map((s) => `${s.name}:${String(s.phase)}/${String(s.reason)}`);
      return stuck.length === 0;
    },
    timeoutMs,
    100,
  ).catch((err: unknown) => {
    throw new Error(`not converged after ${String(timeoutMs / 1000)} s: ${stuck.slice(0, 10).join(' ')}`, {
      cause: err,
    });
  });
  return performance.now() - started;
}

/** Phases in which a session has, and should have, no running workload. */
export const ENDED_PHASES = new Set(['Failed', 'Stopped', 'Expired']);

export const sessionNames = (prefix: string, count: number): string[] =>
  Array.from({ length: count }, (_, i) => `${prefix}-${String(i)}`);

/** One line per drill, in a form docs/drills.md quotes. */
export function report(drill: string, facts: Record<string, string | number>): void {
  const parts = Object.entries(facts).map(([k, v]) => `${k}=${typeof v === 'number' ? v.toFixed(1) : v}`);
  console.log(`[drill] ${drill}: ${parts.join(' ')}`);
}

/** The live operator that leads (its leader_election_master_status is 1), once one does. */
export async function leaderOf(drill: Drill, timeoutMs = 30_000, everyMs = 200): Promise<OperatorProcess> {
  let leader: OperatorProcess | undefined;
  await until(
    async () => {
      for (const op of drill.operators.filter(alive)) {
        const text = await op.metrics().catch(() => '');
        if (sumMetric(text, 'leader_election_master_status') === 1) leader = op;
      }
      return leader !== undefined;
    },
    timeoutMs,
    everyMs,
  );
  if (!leader) throw new Error('no leader');
  return leader;
}
