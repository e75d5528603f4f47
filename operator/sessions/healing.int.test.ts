// Never break what runs, heal what was changed: on the local control plane, hand edits of a running
// session's children are undone within seconds with the same credentials, and catalogue edits or a
// deleted SessionImage leave the running pod untouched (same UID) while new starts are refused.
import { randomBytes } from 'node:crypto';
import {
  CoreV1Api,
  CustomObjectsApi,
  NetworkingV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1Pod,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREDENTIALS_FINGERPRINT_ANNOTATION, GROUP, VERSION } from '../../crds/index.ts';
import { installCrds } from '../../crds/testing/api-server.ts';
import type { RunningOperator } from '../../runtime/app.ts';
import { sleep } from '../../runtime/time.ts';
import { createTestNamespace, eventually, testKubeConfig } from '../../testing/kube.ts';
import { sessionImageObject } from '../../testing/objects.ts';
import { startTestOperator, writeRequests } from '../../testing/operator.ts';
import { TestSessions } from '../../testing/sessions.ts';
import { credentialsFingerprint, decodeCredentials } from './credentials.ts';

const suffix = randomBytes(3).toString('hex');
const proposal = `MX-${String(1000 + Math.floor(Math.random() * 8000))}`;
const images = {
  desktop: `t-heal-vnc-${suffix}`,
  edited: `t-heal-edited-${suffix}`,
  doomed: `t-heal-doomed-${suffix}`,
  broken: `t-heal-broken-${suffix}`,
  raised: `t-heal-raised-${suffix}`,
  typo: `t-heal-typo-${suffix}`,
};
const HEAL_WITHIN_MS = 5000;
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
let kc: KubeConfig;
let core: CoreV1Api;
let net: NetworkingV1Api;
let custom: CustomObjectsApi;
let ns: { name: string; remove: () => Promise<void> };
let operator: RunningOperator;
let sessions: TestSessions;

const imageWhere = { group: GROUP, version: VERSION, plural: 'sessionimages' };
const patchImage = (name: string, spec: Record<string, unknown>) =>
  custom.patchClusterCustomObject({ ...imageWhere, name, body: { spec } }, mergePatch);

async function readPod(session: string): Promise<V1Pod | undefined> {
  const list = await core.listNamespacedPod({
    namespace: ns.name,
    labelSelector: `app.kubernetes.io/instance=${session}`,
  });
  return list.items[0];
}

async function runningPod(session: string): Promise<V1Pod> {
  await sessions.until(session, 'Running', (s) => s.status?.phase === 'Running');
  const pod = await readPod(session);
  if (!pod) throw new Error(`no pod for ${session}`);
  return pod;
}

async function secretOf(session: string): Promise<{ [field: string]: unknown }> {
  const secret = await core.readNamespacedSecret({ name: `daas-${session}`, namespace: ns.name });
  return { data: secret.data };
}

/**
 * Waits until `check` holds (at most 5 s after the edit), and logs how long that took and how many
 * writes the operator made for it (counted once its Events are out too).
 */
async function healed(what: string, check: () => Promise<boolean>, writesBefore: number): Promise<void> {
  const start = Date.now();
  await eventually(what, async () => ((await check()) ? true : undefined), HEAL_WITHIN_MS, 50);
  const ms = Date.now() - start;
  await sleep(500);
  const writes = (await writeRequests(operator)) - writesBefore;
  console.log(`healed: ${what} in ${String(ms)} ms with ${String(writes)} writes`);
}

async function eventsOf(session: string): Promise<string[]> {
  const list = await core.listNamespacedEvent({ namespace: ns.name });
  return list.items
    .filter((e) => e.involvedObject.name === session)
    .map((e) => `${e.reason ?? ''}: ${e.message ?? ''}`);
}

/** The pod stays the same incarnation (and Running) for `ms`. */
async function staysUntouched(session: string, uid: string | undefined, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const pod = await readPod(session);
    expect(pod?.metadata?.uid).toBe(uid);
    expect(pod?.metadata?.deletionTimestamp).toBeUndefined();
    await sleep(250);
  }
}

beforeAll(async () => {
  kc = testKubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  net = kc.makeApiClient(NetworkingV1Api);
  custom = kc.makeApiClient(CustomObjectsApi);
  await installCrds();
  ns = await createTestNamespace(kc, 'healing', {
    'daas.calipsoplus.eu/proposal': proposal,
    'pod-security.kubernetes.io/enforce': 'restricted',
  });
  sessions = new TestSessions(custom, ns.name, { owner: 'akowalska', proposal });
  const desktop = sessionImageObject(images.desktop, { access: { protocol: 'vnc', port: 5901 } });
  for (const body of [
    desktop,
    sessionImageObject(images.edited),
    sessionImageObject(images.doomed),
    sessionImageObject(images.broken),
    sessionImageObject(images.raised),
    sessionImageObject(images.typo),
  ]) {
    await custom.createClusterCustomObject({ ...imageWhere, body });
  }
  operator = await startTestOperator([ns.name]);
}, 120_000);

afterAll(async () => {
  await operator.shutdown('test done');
  for (const name of Object.values(images)) {
    await custom.deleteClusterCustomObject({ ...imageWhere, name }).catch(() => undefined);
  }
  await ns.remove();
});

describe('hand edits of a running session are undone', () => {
  it('a NetworkPolicy opened to everyone is closed again within 5 s', async () => {
    await sessions.create('desk', { image: images.desktop });
    await runningPod('desk');
    await sleep(1000); // the start's own Events and status settle first, so the count is the heal's
    const name = `daas-image-${images.desktop}`;
    const before = await net.readNamespacedNetworkPolicy({ name, namespace: ns.name });
    const writes = await writeRequests(operator);
    await net.patchNamespacedNetworkPolicy(
      { name, namespace: ns.name, body: { spec: { ingress: [{}] } } },
      mergePatch,
    );
    await healed(
      'NetworkPolicy ingress: [{}]',
      async () => {
        const p = await net.readNamespacedNetworkPolicy({ name, namespace: ns.name });
        return JSON.stringify(p.spec?.ingress) === JSON.stringify(before.spec?.ingress);
      },
      writes,
    );
  });

  it("a pod's session label is put back in place: the same pod, not a new one", async () => {
    const pod = await runningPod('desk');
    const label = 'daas.calipsoplus.eu/session';
    const writes = await writeRequests(operator);
    await core.patchNamespacedPod(
      {
        name: pod.metadata?.name ?? '',
        namespace: ns.name,
        body: { metadata: { labels: { [label]: 'x' } } },
      },
      mergePatch,
    );
    await healed(
      'pod session label',
      async () => (await readPod('desk'))?.metadata?.labels?.[label] === 'desk',
      writes,
    );
    expect((await readPod('desk'))?.metadata?.uid).toBe(pod.metadata?.uid);
    // Removed, the pod leaves the operator's label-selected cache: it looks missing, and applying it
    // again puts the label back on the same pod.
    const removed = await writeRequests(operator);
    await core.patchNamespacedPod(
      {
        name: pod.metadata?.name ?? '',
        namespace: ns.name,
        body: { metadata: { labels: { [label]: null } } },
      },
      mergePatch,
    );
    await healed(
      'pod session label removed',
      async () => (await readPod('desk'))?.metadata?.labels?.[label] === 'desk',
      removed,
    );
    expect((await readPod('desk'))?.metadata?.uid).toBe(pod.metadata?.uid);
  });

  it('a changed or deleted Secret comes back with the credentials the running pod started with', async () => {
    const pod = await runningPod('desk');
    const original = decodeCredentials(await secretOf('desk'));
    expect(original?.vncPassword).toHaveLength(8);
    expect(pod.metadata?.annotations?.[CREDENTIALS_FINGERPRINT_ANNOTATION]).toBe(
      credentialsFingerprint(original ?? { token: '' }),
    );
    const sameCredentials = async () => {
      const now = decodeCredentials(await secretOf('desk').catch(() => undefined));
      return now?.token === original?.token && now?.vncPassword === original?.vncPassword;
    };
    let writes = await writeRequests(operator);
    await core.patchNamespacedSecret(
      {
        name: 'daas-desk',
        namespace: ns.name,
        body: { data: { token: Buffer.from('guess').toString('base64'), password: 'eA==' } },
      },
      mergePatch,
    );
    await healed('Secret data edited', sameCredentials, writes);
    writes = await writeRequests(operator);
    await core.deleteNamespacedSecret({ name: 'daas-desk', namespace: ns.name });
    await healed('Secret deleted', sameCredentials, writes);
    expect((await readPod('desk'))?.metadata?.uid).toBe(pod.metadata?.uid);
    await eventually('CredentialsRestored event', async () =>
      (await eventsOf('desk')).some((e) => e.startsWith('CredentialsRestored')) ? true : undefined,
    );
  });

  it('writes nothing once healed', async () => {
    await runningPod('desk');
    await sleep(1500);
    const quiet = await writeRequests(operator);
    // A metadata-only change wakes the session: the pass must find nothing to write.
    await custom.patchNamespacedCustomObject(
      {
        group: GROUP,
        version: VERSION,
        namespace: ns.name,
        plural: 'analysissessions',
        name: 'desk',
        body: { metadata: { labels: { touched: 'yes' } } },
      },
      mergePatch,
    );
    await sleep(2500);
    expect(await writeRequests(operator)).toBe(quiet);
  });

  it('credentials that cannot be restored (key and Secret both deleted): the pod restarts with new ones, and an Event says so', async () => {
    const pod = await runningPod('desk');
    const before = decodeCredentials(await secretOf('desk'));
    await core.deleteNamespacedSecret({ name: 'daas-credentials-key', namespace: ns.name });
    await core.deleteNamespacedSecret({ name: 'daas-desk', namespace: ns.name });
    const renewed = await eventually('a new pod with new credentials', async () => {
      const p = await readPod('desk');
      const now = decodeCredentials(await secretOf('desk').catch(() => undefined));
      const fingerprint = p?.metadata?.annotations?.[CREDENTIALS_FINGERPRINT_ANNOTATION];
      return p && now && p.metadata?.uid !== pod.metadata?.uid && fingerprint === credentialsFingerprint(now)
        ? now
        : undefined;
    });
    expect(renewed.token).not.toBe(before?.token);
    await runningPod('desk');
    expect((await eventsOf('desk')).some((e) => e.startsWith('CredentialsRenewed'))).toBe(true);
  });

  it("a pod whose image was changed by hand is replaced by one with the session's settings", async () => {
    const pod = await runningPod('desk');
    const image = pod.spec?.containers[0]?.image ?? '';
    await core.patchNamespacedPod(
      {
        name: pod.metadata?.name ?? '',
        namespace: ns.name,
        body: { spec: { containers: [{ name: 'session', image: 'registry.invalid/daas/other:1' }] } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    const start = Date.now();
    const replaced = await eventually('a new pod with the image of the catalogue', async () => {
      const p = await readPod('desk');
      return p && p.metadata?.uid !== pod.metadata?.uid && p.spec?.containers[0]?.image === image
        ? p
        : undefined;
    });
    console.log(`healed: pod image edited (new pod) in ${String(Date.now() - start)} ms`);
    expect(replaced.metadata?.name).toBe(pod.metadata?.name);
    // The new pod reads the same Secret: the credentials did not change.
    expect(replaced.metadata?.annotations?.[CREDENTIALS_FINGERPRINT_ANNOTATION]).toBe(
      pod.metadata?.annotations?.[CREDENTIALS_FINGERPRINT_ANNOTATION],
    );
  });
});

describe('catalogue edits never kill running work', () => {
  it('lowered maxima, a changed container and a retired image leave the running pod alone; new starts are refused', async () => {
    await sessions.create('fit', { image: images.edited, resources: { cpu: 2 } });
    const pod = await runningPod('fit');
    await patchImage(images.edited, {
      resources: { default: { cpu: 1, memory: '1Gi' }, max: { cpu: 1, memory: '2Gi' } },
      container: { image: 'registry.invalid/daas/missing:1' },
    });
    await staysUntouched('fit', pod.metadata?.uid);
    const s = await sessions.until('fit', 'says it keeps its settings', (x) =>
      (x.status?.message ?? '').includes('keeps the settings it started with'),
    );
    expect(s.status?.phase).toBe('Running');
    expect((await readPod('fit'))?.spec?.containers[0]?.image).toBe(pod.spec?.containers[0]?.image);

    await sessions.create('fit-too', { image: images.edited, resources: { cpu: 2 } });
    const refused = await sessions.until('fit-too', 'Failed', (x) => x.status?.phase === 'Failed');
    expect(refused.status?.reason).toBe('ResourcesExceedImageMaximum');
    expect(refused.status?.message).toContain('spec.resources.cpu');

    await patchImage(images.edited, { disabled: true });
    await staysUntouched('fit', pod.metadata?.uid, 2000);
    await sessions.create('fit-late', { image: images.edited });
    const retired = await sessions.until('fit-late', 'Failed', (x) => x.status?.phase === 'Failed');
    expect(retired.status?.reason).toBe('ImageDisabled');
    expect(retired.status?.message).toContain('retired');
    expect((await sessions.get('fit')).status?.phase).toBe('Running');
  });

  it("a change the kept settings refuse but the catalogue's allow restarts on the catalogue's", async () => {
    await sessions.create('grow', { image: images.raised });
    const pod = await runningPod('grow');
    await patchImage(images.raised, { resources: { max: { cpu: 4, memory: '4Gi' } } });
    await staysUntouched('grow', pod.metadata?.uid, 1000);
    await sessions.patchSpec('grow', { resources: { cpu: 3 } });
    await eventually('a new pod with 3 cpus', async () => {
      const p = await readPod('grow');
      return p?.metadata?.uid !== pod.metadata?.uid &&
        p?.spec?.containers[0]?.resources?.requests?.cpu === '3'
        ? true
        : undefined;
    });
    const s = await runningPod('grow').then(() => sessions.get('grow'));
    expect(s.status?.message).not.toContain('keeps the settings it started with');
  });

  it('a deleted SessionImage leaves running sessions running; they cannot start again', async () => {
    await sessions.create('orphan', { image: images.doomed });
    const pod = await runningPod('orphan');
    await custom.deleteClusterCustomObject({ ...imageWhere, name: images.doomed });
    await staysUntouched('orphan', pod.metadata?.uid);
    const s = await sessions.until('orphan', 'says the image is gone', (x) =>
      (x.status?.message ?? '').includes('was removed from the catalogue'),
    );
    expect(s.status?.phase).toBe('Running');

    await sessions.create('orphan-new', { image: images.doomed });
    const fresh = await sessions.until(
      'orphan-new',
      'waits for its image',
      (x) => x.status?.reason === 'ImageNotFound',
    );
    expect(fresh.status?.message).toContain('is not in the catalogue');
    expect(await readPod('orphan-new')).toBeUndefined();

    await sessions.patchSpec('orphan', { state: 'Stopped' });
    await sessions.until('orphan', 'Stopped', (x) => x.status?.phase === 'Stopped');
    await sessions.patchSpec('orphan', { state: 'Running' });
    const again = await sessions.until(
      'orphan',
      'refused to start',
      (x) => x.status?.reason === 'ImageNotFound',
    );
    expect(again.status?.message).toContain('no longer in the catalogue, so the session cannot start again');
    expect(await readPod('orphan')).toBeUndefined();
  });
});

describe('make-before-break', () => {
  it('a replacement the API server refuses leaves the old pod running, and the status says why', async () => {
    await sessions.create('steady', { image: images.broken });
    const pod = await runningPod('steady');
    // An admin's edit that no new pod can pass: a PriorityClass that does not exist.
    await patchImage(images.broken, { scheduling: { priorityClassName: `t-missing-${suffix}` } });
    await staysUntouched('steady', pod.metadata?.uid, 1500);
    // A change of the session needs a new pod, built from the catalogue's current settings.
    await sessions.patchSpec('steady', { resources: { cpu: 2 } });
    const s = await sessions.until('steady', 'names the refusal', (x) =>
      (x.status?.message ?? '').includes(`t-missing-${suffix}`),
    );
    expect(s.status?.phase).toBe('Running');
    expect(s.status?.message).toContain('keeps running as it is');
    // What runs is still the old pod: status shows the resources it has, not the refused request.
    expect(s.status?.resources?.cpu).toBe('1');
    await staysUntouched('steady', pod.metadata?.uid, 2000);
    expect((await eventsOf('steady')).some((e) => e.startsWith('ReplacementRefused'))).toBe(true);

    // Once the admin fixes the image, the change goes through.
    await custom.patchClusterCustomObject(
      { ...imageWhere, name: images.broken, body: { spec: { scheduling: null } } },
      mergePatch,
    );
    const replaced = await eventually(
      'a new pod with 2 cpus',
      async () => {
        const p = await readPod('steady');
        return p?.metadata?.uid !== pod.metadata?.uid &&
          p?.spec?.containers[0]?.resources?.requests?.cpu === '2'
          ? p
          : undefined;
      },
      20_000,
    );
    expect(replaced.metadata?.name).toBe(pod.metadata?.name);
    await runningPod('steady');
  });

  it('a change the session cannot take leaves the running pod as it was, until the change is fixed', async () => {
    await sessions.create('typo', { image: images.typo });
    const pod = await runningPod('typo');
    await sessions.patchSpec('typo', { resources: { memory: '64Gi' } });
    const s = await sessions.until('typo', 'names the refusal', (x) =>
      (x.status?.message ?? '').includes('spec.resources.memory'),
    );
    expect(s.status?.phase).toBe('Running');
    expect(s.status?.message).toContain('keeps running as it was');
    await staysUntouched('typo', pod.metadata?.uid, 2000);
    expect((await eventsOf('typo')).some((e) => e.startsWith('ResourcesExceedImageMaximum'))).toBe(true);
    await sessions.patchSpec('typo', { resources: { memory: '2Gi' } });
    await sessions.until(
      'typo',
      'back to plain Running',
      (x) => !(x.status?.message ?? '').includes('refused'),
    );
    expect((await readPod('typo'))?.metadata?.uid).toBe(pod.metadata?.uid);
  });
});
