// Drills on hand edits of a running session's children, made while the operator process starts a
// burst of other sessions: a pod's session label changed, the Secret edited and then deleted, the
// image's NetworkPolicy opened to everyone (`ingress: [{}]`), and a proposal data claim's labels
// changed. Each is healed within 5 s, the pod is the same one, and the credentials are the ones the
// running session started with.
import { NetworkingV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BENCH_IMAGE, until } from '../bench/common.ts';
import { DATA_LABEL } from '../crds/index.ts';
import { decodeCredentials } from '../operator/sessions/credentials.ts';
import {
  DRILL_NAMESPACE,
  createSessions,
  liveWorkWrites,
  report,
  sessionNames,
  seedDrill,
  stopDrill,
  waitRunning,
  writesSince,
  type Drill,
} from './harness.ts';
import { checkInvariants } from './invariants.ts';

const HEAL_WITHIN_MS = 5000;
const LOAD = 60;
const SESSION_LABEL = 'daas.calipsoplus.eu/session';
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
let drill: Drill;
let net: NetworkingV1Api;
let dataVolumes: Set<string>;
const healTimes: Record<string, number> = {};

beforeAll(async () => {
  ({ drill, dataVolumes } = await seedDrill(10));
  net = drill.kc.makeApiClient(NetworkingV1Api);
});
afterAll(async () => {
  await stopDrill(drill);
});

const podName = 'daas-before-0';
const readPod = () => drill.core.readNamespacedPod({ name: podName, namespace: DRILL_NAMESPACE });
const credentials = async () =>
  decodeCredentials(
    await drill.core
      .readNamespacedSecret({ name: podName, namespace: DRILL_NAMESPACE })
      .then((secret) => ({ data: secret.data }))
      .catch(() => undefined),
  );

/** Waits until `check` holds, at most 5 s; records how long it took under `what`. */
async function healed(what: string, check: () => Promise<boolean>): Promise<void> {
  const start = performance.now();
  await until(async () => check().catch(() => false), HEAL_WITHIN_MS, 50).catch((err: unknown) => {
    throw new Error(`${what}: not healed within ${String(HEAL_WITHIN_MS)} ms`, { cause: err });
  });
  healTimes[what] = (performance.now() - start) / 1000;
}

describe('hand edits of running sessions, during a burst', () => {
  it('every edit is healed within 5 s, with the same pod and the same credentials', async () => {
    const pod = await readPod();
    const original = await credentials();
    expect(original?.token).toBeTruthy();
    const writes = await liveWorkWrites(drill);
    const load = createSessions(drill, sessionNames('load', LOAD));
    const startedAt = performance.now();

    // A pod's session label changed: its Service and the gateway would find nothing.
    await drill.core.patchNamespacedPod(
      { name: podName, namespace: DRILL_NAMESPACE, body: { metadata: { labels: { [SESSION_LABEL]: 'x' } } } },
      mergePatch,
    );
    await healed('pod label', async () => (await readPod()).metadata?.labels?.[SESSION_LABEL] === 'before-0');

    // The Secret edited, then deleted: the same credentials come back (the pod still uses them).
    const same = async () => {
      const now = await credentials();
      return now?.token === original?.token && now?.vncPassword === original?.vncPassword;
    };
    await drill.core.patchNamespacedSecret(
      {
        name: podName,
        namespace: DRILL_NAMESPACE,
        body: { data: { token: Buffer.from('guess').toString('base64') } },
      },
      mergePatch,
    );
    await healed('Secret edited', same);
    await drill.core.deleteNamespacedSecret({ name: podName, namespace: DRILL_NAMESPACE });
    await healed('Secret deleted', same);

    // The image's NetworkPolicy opened to everyone.
    const policy = `daas-image-${BENCH_IMAGE}`;
    const before = await net.readNamespacedNetworkPolicy({ name: policy, namespace: DRILL_NAMESPACE });
    await net.patchNamespacedNetworkPolicy(
      { name: policy, namespace: DRILL_NAMESPACE, body: { spec: { ingress: [{}] } } },
      mergePatch,
    );
    await healed('NetworkPolicy ingress [{}]', async () => {
      const p = await net.readNamespacedNetworkPolicy({ name: policy, namespace: DRILL_NAMESPACE });
      return JSON.stringify(p.spec?.ingress) === JSON.stringify(before.spec?.ingress);
    });

    // A proposal data claim's labels changed (a GitOps tool's or an admin's relabelling).
    const claims = await drill.core.listNamespacedPersistentVolumeClaim({
      namespace: DRILL_NAMESPACE,
      labelSelector: DATA_LABEL,
    });
    const claim = claims.items[0];
    const claimName = claim?.metadata?.name ?? '';
    const labels = claim?.metadata?.labels ?? {};
    const changed = Object.fromEntries(Object.keys(labels).map((k) => [k, `${labels[k] ?? ''}-edited`]));
    await drill.core.patchNamespacedPersistentVolumeClaim(
      { name: claimName, namespace: DRILL_NAMESPACE, body: { metadata: { labels: changed } } },
      mergePatch,
    );
    await healed('data claim labels', async () => {
      const now = await drill.core.readNamespacedPersistentVolumeClaim({
        name: claimName,
        namespace: DRILL_NAMESPACE,
      });
      return JSON.stringify(now.metadata?.labels) === JSON.stringify(labels);
    });

    const allHealedS = (performance.now() - startedAt) / 1000;
    await load;
    await waitRunning(drill, undefined, 180_000);
    expect((await readPod()).metadata?.uid, 'the same pod').toBe(pod.metadata?.uid);
    expect(await same(), 'the same credentials').toBe(true);
    const { sessions } = await checkInvariants(drill, { dataVolumes });
    report('hand edits during a burst', {
      recoveryS: Math.max(...Object.values(healTimes)),
      ...Object.fromEntries(Object.entries(healTimes).map(([k, v]) => [k.replace(/\W+/g, '_'), v])),
      allHealedS,
      writes: await writesSince(drill, writes),
      burst: LOAD,
      sessions,
    });
  });
});
