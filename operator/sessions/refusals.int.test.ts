// No failure is silent: when the API server refuses one of a session's objects (a ResourceQuota, a
// PriorityClass that does not exist), the session's status names the object and the API server's
// words within seconds, and the session recovers by itself once the cause is lifted. A session the
// operator itself refuses before any workload leaves nothing behind: not even a Secret.
import { randomBytes } from 'node:crypto';
import { CoreV1Api, CustomObjectsApi, SchedulingV1Api, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUP, VERSION, type AnalysisSession } from '../../crds/index.ts';
import { installCrds } from '../../crds/testing/api-server.ts';
import type { RunningOperator } from '../../runtime/app.ts';
import { sleep } from '../../runtime/time.ts';
import { createTestNamespace, eventually, testKubeConfig } from '../../testing/kube.ts';
import { sessionImageObject } from '../../testing/objects.ts';
import { startTestOperator } from '../../testing/operator.ts';
import { TestSessions } from '../../testing/sessions.ts';

const suffix = randomBytes(3).toString('hex');
const proposal = `MX-${String(1000 + Math.floor(Math.random() * 8000))}`;
const images = {
  plain: `t-refusal-${suffix}`,
  priority: `t-priority-${suffix}`,
  retired: `t-retired-${suffix}`,
  elsewhere: `t-elsewhere-${suffix}`,
};
const priorityClass = `t-daas-priority-${suffix}`;
let kc: KubeConfig;
let core: CoreV1Api;
let custom: CustomObjectsApi;
let ns: { name: string; remove: () => Promise<void> };
/** A namespace where no session is ever accepted: no Secret of any kind may appear in it. */
let refusedNs: { name: string; remove: () => Promise<void> };
let operator: RunningOperator;

let sessions: TestSessions;

const image = (name: string, scheduling?: Record<string, unknown>) =>
  sessionImageObject(name, scheduling ? { scheduling } : {});
const createSession = (name: string, imageName: string) => sessions.create(name, { image: imageName });
const untilStatus = (name: string, what: string, check: (s: AnalysisSession) => boolean) =>
  sessions.until(name, what, check);

beforeAll(async () => {
  kc = testKubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  custom = kc.makeApiClient(CustomObjectsApi);
  await installCrds();
  ns = await createTestNamespace(kc, 'refusals', { 'daas.calipsoplus.eu/proposal': proposal });
  refusedNs = await createTestNamespace(kc, 'refused', { 'daas.calipsoplus.eu/proposal': proposal });
  sessions = new TestSessions(custom, ns.name, { owner: 'akowalska', proposal });
  for (const body of [
    image(images.plain),
    image(images.priority, { priorityClassName: priorityClass }),
    sessionImageObject(images.retired, { disabled: true }),
    sessionImageObject(images.elsewhere, { availability: { proposals: ['ZZ-0000'] } }),
  ]) {
    await custom.createClusterCustomObject({ group: GROUP, version: VERSION, plural: 'sessionimages', body });
  }
  operator = await startTestOperator([ns.name, refusedNs.name]);
}, 120_000);

afterAll(async () => {
  await operator.shutdown('test done');
  for (const name of Object.values(images)) {
    await custom
      .deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: 'sessionimages', name })
      .catch(() => undefined);
  }
  await kc
    .makeApiClient(SchedulingV1Api)
    .deletePriorityClass({ name: priorityClass })
    .catch(() => undefined);
  await ns.remove();
  await refusedNs.remove();
});

describe('objects the API server refuses', () => {
  it('a ResourceQuota that forbids pods: the status names the pod and the quota, and the session starts once it is lifted', async () => {
    await core.createNamespacedResourceQuota({
      namespace: ns.name,
      body: { metadata: { name: 'no-pods' }, spec: { hard: { pods: '0' } } },
    });
    // The quota controller must have counted usage before the API server enforces it.
    await eventually('quota observed', async () => {
      const q = await core.readNamespacedResourceQuota({ name: 'no-pods', namespace: ns.name });
      return q.status?.hard ? true : undefined;
    });
    const t0 = Date.now();
    await createSession('quota', images.plain);
    const refused = await untilStatus('quota', 'refused', (s) => s.status?.reason === 'WorkloadRefused');
    const seconds = (Date.now() - t0) / 1000;
    expect(refused.status?.phase).toBe('Pending');
    expect(refused.status?.message).toMatch(
      /^Kubernetes refused the session's Pod daas-quota: .*exceeded quota: no-pods/,
    );
    expect(refused.status?.message).toMatch(/tries again every few seconds\.$/);
    expect(refused.status?.conditions?.find((c) => c.type === 'Scheduled')).toMatchObject({
      status: 'False',
      reason: 'WorkloadRefused',
    });
    expect(seconds).toBeLessThan(15);

    await core.deleteNamespacedResourceQuota({ name: 'no-pods', namespace: ns.name });
    const running = await untilStatus('quota', 'Running', (s) => s.status?.phase === 'Running');
    expect(running.status?.reason).toBe('Running');
  });

  it('a PriorityClass that does not exist: named in status, and the session starts once an admin creates it', async () => {
    await createSession('priority', images.priority);
    const refused = await untilStatus('priority', 'refused', (s) => s.status?.reason === 'WorkloadRefused');
    expect(refused.status?.message).toContain("Kubernetes refused the session's Pod daas-priority:");
    expect(refused.status?.message).toContain(priorityClass);

    await kc.makeApiClient(SchedulingV1Api).createPriorityClass({
      body: { metadata: { name: priorityClass }, value: 1000 },
    });
    await untilStatus('priority', 'Running', (s) => s.status?.phase === 'Running');
  });
});

describe('sessions the operator refuses', () => {
  it('get a plain refusal in status and no Secret: neither their own nor their namespace key', async () => {
    const refused = new TestSessions(custom, refusedNs.name, { owner: 'akowalska', proposal });
    const cases = {
      retired: { image: images.retired },
      elsewhere: { image: images.elsewhere },
      'too-big': { image: images.plain, resources: { memory: '64Gi' } },
      unknown: { image: `t-unknown-${suffix}` },
    };
    for (const [name, spec] of Object.entries(cases)) await refused.create(name, spec);
    const reasons: Record<string, string | undefined> = {};
    for (const name of Object.keys(cases)) {
      const s = await refused.until(
        name,
        'refused',
        (x) => x.status?.conditions?.some((c) => c.type === 'Accepted' && c.status === 'False') === true,
      );
      reasons[name] = s.status?.reason;
    }
    expect(reasons).toEqual({
      retired: 'ImageDisabled',
      elsewhere: 'ImageNotAllowed',
      'too-big': 'ResourcesExceedImageMaximum',
      unknown: 'ImageNotFound',
    });
    // A pass or two more, in case a write were merely late.
    await sleep(2000);
    const secrets = await core.listNamespacedSecret({ namespace: refusedNs.name });
    expect(secrets.items.map((x) => x.metadata?.name)).toEqual([]);
  });
});
