// No failure is silent: when the API server refuses one of a session's objects (a ResourceQuota, a
// PriorityClass that does not exist), the session's status names the object and the API server's
// words within seconds, and the session recovers by itself once the cause is lifted.
import { randomBytes } from 'node:crypto';
import { CoreV1Api, CustomObjectsApi, SchedulingV1Api, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUP, VERSION, type AnalysisSession } from '../../crds/index.ts';
import { installCrds } from '../../crds/testing/api-server.ts';
import type { RunningOperator } from '../../runtime/app.ts';
import { createTestNamespace, eventually, testKubeConfig } from '../../testing/kube.ts';
import { sessionImageObject } from '../../testing/objects.ts';
import { startTestOperator } from '../../testing/operator.ts';
import { TestSessions } from '../../testing/sessions.ts';

const suffix = randomBytes(3).toString('hex');
const proposal = `MX-${String(1000 + Math.floor(Math.random() * 8000))}`;
const images = { plain: `t-refusal-${suffix}`, priority: `t-priority-${suffix}` };
const priorityClass = `t-daas-priority-${suffix}`;
let kc: KubeConfig;
let core: CoreV1Api;
let custom: CustomObjectsApi;
let ns: { name: string; remove: () => Promise<void> };
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
  sessions = new TestSessions(custom, ns.name, { owner: 'akowalska', proposal });
  for (const body of [image(images.plain), image(images.priority, { priorityClassName: priorityClass })]) {
    await custom.createClusterCustomObject({ group: GROUP, version: VERSION, plural: 'sessionimages', body });
  }
  operator = await startTestOperator([ns.name]);
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
