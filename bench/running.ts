// When each pod and each session was first seen Running, from watches (the runtime's informers), so
// the benchmarks time the floor and the sessions the same way and can tell how long a session lags
// behind its own pod.
import type { Logger } from 'pino';
import { SESSION_LABEL } from '../crds/labels.ts';
import { AnalysisSessions } from '../operator/api.ts';
import { loadKubeConfig } from '../runtime/app.ts';
import { Informer } from '../runtime/informer.ts';
import { createLogger } from '../runtime/logger.ts';
import { Pods, type KubeObject, type Pod } from '../runtime/resources.ts';
import { RestClient } from '../runtime/rest.ts';
import { BENCH_NAMESPACE } from './common.ts';

export interface RunningWatch {
  /** Bare pod name (label bench=floor) → first seen Running (performance.now()). */
  floor: Map<string, number>;
  /** Session name → its pod first seen Running. */
  sessionPods: Map<string, number>;
  /** Session name → the session first seen in phase Running. */
  sessions: Map<string, number>;
  stop(): Promise<void>;
}

export async function watchRunning(kubeconfigPath: string): Promise<RunningWatch> {
  const client = new RestClient(loadKubeConfig(kubeconfigPath));
  const log: Logger = createLogger('warn');
  const watch: RunningWatch = {
    floor: new Map(),
    sessionPods: new Map(),
    sessions: new Map(),
    stop: async () => {
      await Promise.all([pods.stop(), sessions.stop()]);
      client.close();
    },
  };
  const pods = new Informer<Pod>(client, Pods, log, { namespace: BENCH_NAMESPACE });
  const sessions = new Informer(client, AnalysisSessions, log, { namespace: BENCH_NAMESPACE });
  const record = (into: Map<string, number>, name: string | undefined, running: boolean) => {
    if (name !== undefined && running && !into.has(name)) into.set(name, performance.now());
  };
  const onPod = (pod: Pod) => {
    const running = pod.status?.phase === 'Running';
    if (pod.metadata.labels?.bench === 'floor') record(watch.floor, pod.metadata.name, running);
    else record(watch.sessionPods, pod.metadata.labels?.[SESSION_LABEL], running);
  };
  const onSession = (session: KubeObject & { status?: { phase?: string } }) => {
    record(watch.sessions, session.metadata.name, session.status?.phase === 'Running');
  };
  pods.addHandler({
    onAdd: onPod,
    onUpdate: (_old, pod) => {
      onPod(pod);
    },
  });
  sessions.addHandler({
    onAdd: onSession,
    onUpdate: (_old, s) => {
      onSession(s);
    },
  });
  pods.start();
  sessions.start();
  await Promise.all([pods.waitForSync(), sessions.waitForSync()]);
  return watch;
}
