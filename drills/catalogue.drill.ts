// Drills on catalogue edits under running sessions: the image's maximum cpu lowered below what they
// run with, the image disabled, its container reference made invalid (an invisible character, as a
// copy-paste leaves), and the SessionImage deleted (an Argo CD prune). Running sessions keep running
// on the same pods; a new start is refused in plain words each time.
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BENCH_IMAGE, benchSession, until } from '../bench/common.ts';
import { GROUP, VERSION } from '../crds/index.ts';
import { sleep } from '../runtime/time.ts';
import {
  DRILL_NAMESPACE,
  listSessions,
  liveWorkWrites,
  podReady,
  report,
  seedDrill,
  stopDrill,
  writesSince,
  type Drill,
  type SessionView,
} from './harness.ts';
import { checkInvariants } from './invariants.ts';

const RUNNING = 10;
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const image = { group: GROUP, version: VERSION, plural: 'sessionimages', name: BENCH_IMAGE };
let drill: Drill;
let dataVolumes: Set<string>;
let podUids: Map<string, string>;
const refusals: Record<string, number> = {};

beforeAll(async () => {
  ({ drill, dataVolumes } = await seedDrill(RUNNING));
  podUids = await runningPods();
});
afterAll(async () => {
  await stopDrill(drill);
});

/** Pod name to UID of every ready session pod. */
async function runningPods(): Promise<Map<string, string>> {
  const pods = await drill.core.listNamespacedPod({ namespace: DRILL_NAMESPACE });
  return new Map(pods.items.filter(podReady).map((p) => [p.metadata?.name ?? '', p.metadata?.uid ?? '']));
}

/** For `ms`, every pod that ran before still runs (same UID, not terminating) and its session says Running. */
async function runningSessionsUntouched(ms: number): Promise<void> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const now = await runningPods();
    for (const [name, uid] of podUids) expect(now.get(name), `pod ${name} still running`).toBe(uid);
    const sessions = await listSessions(drill);
    const before = sessions.filter((s) => s.name.startsWith('before-'));
    expect(before.filter((s) => s.phase !== 'Running').map((s) => `${s.name}:${String(s.phase)}`)).toEqual(
      [],
    );
    await sleep(500);
  }
}

/** Creates one session and waits (at most 10 s) for its refusal; returns its status and records the time. */
async function refusedStart(
  name: string,
  spec: Record<string, unknown> = {},
): Promise<SessionView & { message: string }> {
  const start = performance.now();
  const body = benchSession(name);
  await drill.custom.createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace: DRILL_NAMESPACE,
    plural: 'analysissessions',
    body: { ...body, spec: { ...body.spec, ...spec } },
  });
  let seen: (SessionView & { message: string }) | undefined;
  await until(
    async () => {
      const s = (await listSessions(drill)).find((x) => x.name === name);
      const obj = (await drill.custom.getNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: DRILL_NAMESPACE,
        plural: 'analysissessions',
        name,
      })) as { status?: { message?: string } };
      if (s?.reason === undefined || s.reason === 'Creating' || s.phase === 'Running') return false;
      if (!['Failed', 'Pending'].includes(s.phase ?? '')) return false;
      seen = { ...s, message: obj.status?.message ?? '' };
      return true;
    },
    10_000,
    100,
  );
  refusals[name] = (performance.now() - start) / 1000;
  if (!seen) throw new Error(`${name} was not refused`);
  const pod = await drill.core
    .readNamespacedPod({ name: `daas-${name}`, namespace: DRILL_NAMESPACE })
    .catch(() => undefined);
  expect(pod && podReady(pod), `a refused session (${name}) runs no pod`).toBeFalsy();
  return seen;
}

/** The API server's own words from a client-node error. */
function apiMessage(err: unknown): string {
  const body = (err as { body?: unknown }).body;
  try {
    return (JSON.parse(String(body)) as { message?: string }).message ?? String(err);
  } catch {
    return String(err);
  }
}

const patchImage = (spec: Record<string, unknown>) =>
  drill.custom.patchClusterCustomObject({ ...image, body: { spec } }, mergePatch);

describe('catalogue edits under running sessions', () => {
  it('lowered maximum, disabled, invalid container, deleted: running sessions run on, new starts are refused', async () => {
    const writes = await liveWorkWrites(drill);
    const startedAt = performance.now();

    // The sessions run with 10m cpu; the image now allows 5m.
    await patchImage({
      resources: { default: { cpu: '5m', memory: '32Mi' }, max: { cpu: '5m', memory: '1Gi' } },
    });
    await runningSessionsUntouched(3000);
    const tooBig = await refusedStart('after-max', { resources: { cpu: '10m' } });
    expect(tooBig.reason).toBe('ResourcesExceedImageMaximum');
    // Restored, so that the next refusal has the next edit as its only cause.
    await patchImage({
      resources: { default: { cpu: '10m', memory: '32Mi' }, max: { cpu: 1, memory: '1Gi' } },
    });

    await patchImage({ disabled: true });
    await runningSessionsUntouched(3000);
    const disabled = await refusedStart('after-disable');
    expect(disabled.reason).toBe('ImageDisabled');
    await patchImage({ disabled: false });

    // A zero-width space inside the reference: invisible in an editor, refused by every runtime.
    const invalid = await patchImage({ container: { image: 'registry.invalid/daas/jupyter\u200b:1' } }).then(
      () => 'accepted',
      (err: unknown) => `refused by the API server: ${apiMessage(err)}`,
    );
    await runningSessionsUntouched(3000);
    const badRef = invalid === 'accepted' ? await refusedStart('after-invalid-ref') : undefined;

    await drill.custom.deleteClusterCustomObject(image);
    await runningSessionsUntouched(5000);
    const gone = await refusedStart('after-delete');
    expect(gone.reason).toBe('ImageNotFound');

    const sessions = await listSessions(drill);
    const before = sessions.filter((s) => s.name.startsWith('before-'));
    expect(before.every((s) => s.phase === 'Running')).toBe(true);
    // The refused sessions go (their users give up): nothing of theirs may stay behind.
    const refused = sessions.filter((s) => s.name.startsWith('after-')).map((s) => s.name);
    for (const name of refused)
      await drill.custom.deleteNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: DRILL_NAMESPACE,
        plural: 'analysissessions',
        name,
      });
    await until(async () => (await listSessions(drill)).length === RUNNING, 30_000, 200);
    // Their children go through the garbage collector (owner references), which may lag under load.
    const leftovers = async () => {
      const [secrets, pods] = await Promise.all([
        drill.core.listNamespacedSecret({ namespace: DRILL_NAMESPACE }),
        drill.core.listNamespacedPod({ namespace: DRILL_NAMESPACE }),
      ]);
      return [...secrets.items, ...pods.items].filter((x) => x.metadata?.name?.startsWith('daas-after-'));
    };
    await until(async () => (await leftovers()).length === 0, 60_000, 200);
    const { sessions: count } = await checkInvariants(drill, { dataVolumes });
    const wordsOf = (s: { reason: string | undefined; message: string }) =>
      `${String(s.reason)}: ${s.message.slice(0, 160)}`;
    console.log(`[drill] catalogue refusals:\n  ${wordsOf(tooBig)}\n  ${wordsOf(disabled)}`);
    console.log(`  invalid container reference ${invalid}${badRef ? `; new start: ${wordsOf(badRef)}` : ''}`);
    console.log(`  ${wordsOf(gone)}`);
    report('catalogue edits under running sessions', {
      recoveryS: Math.max(...Object.values(refusals)),
      writes: await writesSince(drill, writes),
      runningKept: before.length,
      totalS: (performance.now() - startedAt) / 1000,
      sessions: count,
    });
    for (const s of [tooBig, disabled, gone, ...(badRef ? [badRef] : [])]) {
      expect(s.message, `${s.name} is told why`).toMatch(/[a-z]{3,} [a-z]{3,}/);
      expect(s.message).not.toMatch(/undefined|\[object|TypeError/);
    }
  });
});
