// The fast subset of bench:burst, as behaviour a facility relies on when a course or a beamtime
// starts: a burst of sessions reaches Running within the operator's write budget (at most 6 writes
// per session, Events included, almost no conflicts) and then costs nothing; and one proposal's
// burst does not make another proposal's single session wait behind it (fair queue).
import { randomBytes } from 'node:crypto';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUP, VERSION, type AnalysisSession } from '../../crds/index.ts';
import { installCrds } from '../../crds/testing/api-server.ts';
import type { RunningOperator } from '../../runtime/app.ts';
import { sleep } from '../../runtime/time.ts';
import { createTestNamespace, eventually, testKubeConfig } from '../../testing/kube.ts';
import { sessionImageObject } from '../../testing/objects.ts';
import { startTestOperator, writeRequests } from '../../testing/operator.ts';
import { TestSessions } from '../../testing/sessions.ts';

const BURST = 40;
const suffix = randomBytes(3).toString('hex');
const image = `t-burst-${suffix}`;
const proposals = { course: `MX-${String(1000 + Math.floor(Math.random() * 4000))}`, other: '' };
proposals.other = `MX-${String(5000 + Math.floor(Math.random() * 4000))}`;
let kc: KubeConfig;
let custom: CustomObjectsApi;
type TestNamespace = { name: string; remove: () => Promise<void> };
let namespaces: [TestNamespace, TestNamespace];
let course: TestSessions;
let other: TestSessions;
let operator: RunningOperator;

beforeAll(async () => {
  kc = testKubeConfig();
  custom = kc.makeApiClient(CustomObjectsApi);
  await installCrds();
  namespaces = [
    await createTestNamespace(kc, 'burst-course', { 'daas.calipsoplus.eu/proposal': proposals.course }),
    await createTestNamespace(kc, 'burst-other', { 'daas.calipsoplus.eu/proposal': proposals.other }),
  ];
  const [a, b] = namespaces;
  course = new TestSessions(custom, a.name, { owner: 'student', proposal: proposals.course, image });
  other = new TestSessions(custom, b.name, { owner: 'akowalska', proposal: proposals.other, image });
  const small = { cpu: '10m', memory: '32Mi' };
  await custom.createClusterCustomObject({
    group: GROUP,
    version: VERSION,
    plural: 'sessionimages',
    body: sessionImageObject(image, { resources: { default: small, max: { cpu: 1, memory: '1Gi' } } }),
  });
}, 120_000);

afterAll(async () => {
  await operator.shutdown('test done');
  await custom
    .deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: 'sessionimages', name: image })
    .catch(() => undefined);
  for (const ns of namespaces) await ns.remove();
});

/** Conflicts (409) the operator has been answered so far. */
async function conflicts(op: RunningOperator): Promise<number> {
  const metric = await op.metrics.restRequests.get();
  return metric.values.filter((v) => v.labels.code === '409').reduce((sum, v) => sum + v.value, 0);
}

/** Polls both namespaces and records when each session was first seen Running (ms since `t0`). */
async function untilAllRunning(total: number, t0: number): Promise<Map<string, number>> {
  const runningAt = new Map<string, number>();
  await eventually(
    `${String(total)} sessions Running`,
    async () => {
      const all: AnalysisSession[] = [...(await course.list()), ...(await other.list())];
      for (const s of all) {
        const key = `${s.metadata.namespace ?? ''}/${s.metadata.name}`;
        if (s.status?.phase === 'Running' && !runningAt.has(key)) runningAt.set(key, Date.now() - t0);
      }
      return runningAt.size === total ? true : undefined;
    },
    120_000,
    50,
  );
  return runningAt;
}

describe('a burst of sessions', () => {
  it('reaches Running within the write budget, serves another proposal in turn, then costs nothing', async () => {
    // One worker, so that the queue's order decides who waits: with arrival order alone, the other
    // proposal's session would start after the whole course.
    operator = await startTestOperator(
      namespaces.map((ns) => ns.name),
      ['--workers=1'],
    );
    // The common case: proposals whose data claims exist. This test runs the session controller
    // alone (the proposal-data controller would make them when the namespace appears), so each
    // proposal's first session creates them and waits for kube-controller-manager to bind them.
    await course.create('first-of-course', {});
    await other.create('first-of-other', {});
    await course.until('first-of-course', 'Running', (s) => s.status?.phase === 'Running');
    await other.until('first-of-other', 'Running', (s) => s.status?.phase === 'Running');
    const writesBefore = await writeRequests(operator);
    const conflictsBefore = await conflicts(operator);
    const t0 = Date.now();
    await Promise.all(Array.from({ length: BURST }, (_, i) => course.create(`student-${String(i)}`, {})));
    await other.create('single', {});

    const runningAt = await untilAllRunning(BURST + 3, t0);
    const writes = (await writeRequests(operator)) - writesBefore;
    const refused = (await conflicts(operator)) - conflictsBefore;
    const single = runningAt.get(`${namespaces[1].name}/single`) ?? Infinity;
    const courseTimes = [...runningAt.entries()]
      .filter(([key]) => key.startsWith(`${namespaces[0].name}/student-`))
      .map(([, ms]) => ms);
    const startedBefore = courseTimes.filter((ms) => ms < single).length;
    console.log(
      `burst of ${String(BURST + 1)}: ${(writes / (BURST + 1)).toFixed(1)} writes and ${String(refused)} conflicts per session in all; the other proposal's session Running after ${String(startedBefore)} of the course's`,
    );
    expect(writes / (BURST + 1)).toBeLessThanOrEqual(6);
    expect(refused).toBeLessThanOrEqual(2);
    expect(startedBefore).toBeLessThan(BURST / 2);

    // Converged: nothing more to write.
    await sleep(2000);
    const quiet = await writeRequests(operator);
    await sleep(3000);
    expect(await writeRequests(operator)).toBe(quiet);
  }, 180_000);
});
