// Drill on a silent watch: the operator reaches the API server through a loopback TCP proxy that
// stalls (every open connection and every new one stays open while no byte flows: a dead network
// path that sends neither data nor a reset). Meanwhile an admin creates and stops sessions. Then new
// connections work again, but the stalled ones stay stalled: the operator must notice its silent
// watches itself (no byte, not even a bookmark, for its default --watch-silence-timeout, 2 minutes),
// resume them on new connections and catch up with what it missed.
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../bench/common.ts';
import { sumMetric } from '../bench/operator-process.ts';
import { GROUP, VERSION } from '../crds/index.ts';
import { DEFAULT_WATCH_SILENCE_MS } from '../runtime/reflector.ts';
import { sleep } from '../runtime/time.ts';
import { TcpProxy } from '../testing/tcp-proxy.ts';
import {
  DRILL_NAMESPACE,
  ENDED_PHASES,
  alive,
  createSessions,
  listSessions,
  liveWorkWrites,
  report,
  secondsFromEnv,
  seedDrill,
  sessionNames,
  stopDrill,
  waitConverged,
  waitRunning,
  writesSince,
  type Drill,
} from './harness.ts';
import { checkInvariants } from './invariants.ts';

const STALL_S = secondsFromEnv('DRILL_STALL', 20);
const SEED = 10;
const CREATED = 10;
const STOPPED = 3;
let drill: Drill;
let dataVolumes: Set<string>;
let proxy: TcpProxy | undefined;

beforeAll(async () => {
  ({ drill, dataVolumes } = await seedDrill(SEED, 1, async (d) => {
    const server = new URL(d.kc.getCurrentCluster()?.server ?? '');
    proxy = await TcpProxy.start(server.hostname, Number(server.port));
    const path = join(dirname(d.cluster.kubeconfigPath), 'via-proxy.kubeconfig');
    await writeFile(path, proxy.kubeConfig(d.kc).exportConfig(), { mode: 0o600 });
    return [`--kubeconfig=${path}`];
  }));
});
afterAll(async () => {
  await stopDrill(drill);
  await proxy?.close();
});

/** Sets spec.state Stopped, as a user stopping a session would (JSON Patch: client-node's default). */
async function stopSession(name: string): Promise<void> {
  await drill.custom.patchNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace: DRILL_NAMESPACE,
    plural: 'analysissessions',
    name,
    body: [{ op: 'replace', path: '/spec/state', value: 'Stopped' }],
  });
}

/** Resolves once each named session says Stopped and no pod of it is left. */
async function waitStopped(names: readonly string[], timeoutMs: number): Promise<void> {
  await until(
    async () => {
      const [sessions, pods] = await Promise.all([
        listSessions(drill),
        drill.core.listNamespacedPod({ namespace: DRILL_NAMESPACE }),
      ]);
      const owners = new Set(pods.items.map((p) => p.metadata?.ownerReferences?.[0]?.uid));
      const byName = new Map(sessions.map((s) => [s.name, s]));
      return names.every((n) => {
        const s = byName.get(n);
        return s !== undefined && ENDED_PHASES.has(s.phase ?? '') && !owners.has(s.uid);
      });
    },
    timeoutMs,
    200,
  );
}

describe('a silent watch', () => {
  it('a stalled path is noticed by the watchdog and the operator catches up on new connections', async () => {
    const op = drill.operators[0];
    if (!op || !proxy) throw new Error('no operator or proxy');
    const stall = proxy;
    const counter = async (metric: string, reason: string) =>
      sumMetric(await op.metrics(), metric, (l) => l.includes(`reason="${reason}"`));
    const silentBefore = await counter('daas_informer_watch_restarts_total', 'silent');
    const goneBefore = await counter('daas_informer_relists_total', 'gone');
    const writes = await liveWorkWrites(drill);

    const stalledAt = performance.now();
    const frozen = stall.freezeOpenConnections();
    stall.stallNew(true);
    // When the first silent watch is restarted, as the operator's metrics say (not through the proxy).
    let detectedS = Number.NaN;
    const detected = until(
      async () => (await counter('daas_informer_watch_restarts_total', 'silent')) > silentBefore,
      DEFAULT_WATCH_SILENCE_MS + 120_000,
      500,
    ).then(
      () => (detectedS = (performance.now() - stalledAt) / 1000),
      () => undefined, // never noticed: detectedS stays NaN and the checks below say so
    );
    const created = sessionNames('during', CREATED);
    const stopped = sessionNames('before', STOPPED);
    let unstalledAt: number;
    try {
      await createSessions(drill, created);
      for (const name of stopped) await stopSession(name);
      await sleep(STALL_S * 1000);
    } finally {
      // New connections work again; the stalled ones stay stalled until the operator gives them up.
      stall.stallNew(false);
      unstalledAt = performance.now();
    }
    const keptRunning = sessionNames('before', SEED).slice(STOPPED);
    const timeoutMs = DEFAULT_WATCH_SILENCE_MS + 120_000;
    await Promise.all([
      waitRunning(drill, [...keptRunning, ...created], timeoutMs),
      waitStopped(stopped, timeoutMs),
    ]);
    const recoveryS = (performance.now() - unstalledAt) / 1000;
    const caughtUpS = (performance.now() - stalledAt) / 1000;
    await detected;
    await waitConverged(drill, 30_000);
    const silentRestarts = (await counter('daas_informer_watch_restarts_total', 'silent')) - silentBefore;
    const goneRelists = (await counter('daas_informer_relists_total', 'gone')) - goneBefore;
    const faultWrites = await writesSince(drill, writes);
    const { sessions } = await checkInvariants(drill, { dataVolumes });
    report(`silent watch (proxy stalled ${String(STALL_S)} s, then only new connections work)`, {
      recoveryS,
      caughtUpS,
      detectedS,
      writes: faultWrites,
      frozenConnections: frozen,
      silentRestarts,
      goneRelists,
      created: CREATED,
      stopped: STOPPED,
      sessions,
    });
    expect(alive(op)).toBe(true);
    expect(silentRestarts, 'watches restarted for silence').toBeGreaterThan(0);
    // Every stalled watch sent its last byte before the stall: all are noticed within the timeout
    // of it, and the operator then catches up within seconds.
    expect(detectedS).toBeLessThan(DEFAULT_WATCH_SILENCE_MS / 1000 + 5);
    expect(caughtUpS).toBeLessThan(DEFAULT_WATCH_SILENCE_MS / 1000 + 30);
  });
});
