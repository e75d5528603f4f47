// The SessionImage controller alone against the local control plane: no session controller runs, so
// the test sets each session's phase through the status subresource, as the session controller would.
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { API_VERSION, PROPOSAL_LABEL, type SessionImage, type SessionPhase } from '../../crds/index.ts';
import { installCrds, kubectl } from '../../crds/testing/api-server.ts';
import { createTestNamespace, eventually, testKubeConfig } from '../../testing/kube.ts';
import { mergePatch } from '../../runtime/apply.ts';
import { runOperator, type RunningOperator } from '../../runtime/app.ts';
import { collectionPath, objectPath } from '../../runtime/resources.ts';
import { RestClient } from '../../runtime/rest.ts';
import { loadConfig } from '../config.ts';
import { AnalysisSessions, SessionImages } from '../api.ts';
import { registerImageController } from './controller.ts';
import { sleep } from '../../runtime/time.ts';

const suffix = randomBytes(3).toString('hex');
const proposal = `IMG-${suffix}`;
const [scipy, desktop] = [`t-scipy-${suffix}`, `t-desktop-${suffix}`];
// Only this file's images: operators of other test files must not count (or write) them.
const mine = { 'daas.calipsoplus.eu/test-images': suffix };

const kc = testKubeConfig();
const client = new RestClient(kc);
let ns: Awaited<ReturnType<typeof createTestNamespace>>;
let operator: RunningOperator;

const createImage = (name: string) =>
  client.request('POST', collectionPath(SessionImages), {
    body: {
      apiVersion: API_VERSION,
      kind: 'SessionImage',
      metadata: { name, labels: mine },
      spec: {
        displayName: name,
        runtime: 'container',
        container: { image: 'quay.io/jupyter/scipy-notebook:2025-06-02' },
        access: { protocol: 'http', port: 8888 },
        lifecycle: { defaultLifetime: '1h', maxLifetime: '2h' },
      },
    },
  });

async function createSession(name: string, image: string, phase?: SessionPhase): Promise<void> {
  await client.request('POST', collectionPath(AnalysisSessions, ns.name), {
    body: {
      apiVersion: API_VERSION,
      kind: 'AnalysisSession',
      metadata: { name },
      spec: { image, owner: 'akowalska', proposal },
    },
  });
  if (phase) await setPhase(name, phase);
}

const setPhase = (name: string, phase: SessionPhase) =>
  mergePatch(client, AnalysisSessions, ns.name, name, { status: { phase } }, 'status');

/** The SESSIONS column of `kubectl get simg NAME` (columns are aligned under their header). */
async function sessionsColumn(name: string): Promise<string> {
  const [header = '', row = ''] = (await kubectl('get', 'simg', name)).split('\n');
  const at = header.indexOf('SESSIONS');
  return row.slice(at).split(/\s+/)[0] ?? '';
}

const untilColumn = (name: string, expected: string) =>
  eventually(`kubectl get simg ${name} SESSIONS ${expected}`, async () =>
    (await sessionsColumn(name)) === expected ? true : undefined,
  );

async function operatorWrites(): Promise<number> {
  const metric = await operator.metrics.restRequests.get();
  return metric.values.filter((v) => v.labels.method !== 'GET').reduce((sum, v) => sum + v.value, 0);
}

beforeAll(async () => {
  await installCrds();
  ns = await createTestNamespace(kc, 'images', { [PROPOSAL_LABEL]: proposal });
  await createImage(scipy);
  await createImage(desktop);
  const flags = ['--leader-elect=false', '--metrics-bind-address=0', '--health-probe-bind-address=0'];
  const config = loadConfig(
    [`--kubeconfig=${inject('kubeconfig')}`, `--namespaces=${ns.name}`, ...flags],
    {},
  );
  operator = await runOperator(config, {
    log: pino({ level: process.env.DAAS_TEST_LOG_LEVEL ?? 'warn' }),
    handleSignals: false,
    register: (ctx) => {
      registerImageController(ctx, {
        selectors: { labelSelector: `daas.calipsoplus.eu/test-images=${suffix}` },
      });
    },
  });
  await operator.manager.waitForCacheSync();
}, 120_000);

afterAll(async () => {
  await operator.shutdown('test done');
  for (const name of [scipy, desktop]) {
    await client.request('DELETE', objectPath(SessionImages, undefined, name)).catch(() => undefined);
  }
  await ns.remove();
  client.close();
});

describe('SessionImage status (phases set through the status subresource: no session controller)', () => {
  it('counts the sessions that hold a workload in the SESSIONS column, and a stop lowers it', async () => {
    await untilColumn(scipy, '0');
    await createSession('fresh', scipy);
    await createSession('running', scipy, 'Running');
    await createSession('queued', scipy, 'Queued');
    await createSession('failed', scipy, 'Failed');
    await createSession('elsewhere', desktop, 'Running');
    await untilColumn(scipy, '3');
    await untilColumn(desktop, '1');

    await setPhase('running', 'Stopped');
    await untilColumn(scipy, '2');

    const image = await client.get<SessionImage>(objectPath(SessionImages, undefined, scipy));
    expect(image.status?.observedGeneration).toBe(image.metadata.generation);
    expect(image.status?.conditions).toEqual([
      expect.objectContaining({ type: 'Ready', status: 'True', reason: 'Available' }),
    ]);
  });

  it('moves a session that changes image from the old image count to the new one', async () => {
    await mergePatch(client, AnalysisSessions, ns.name, 'queued', { spec: { image: desktop } });
    await untilColumn(scipy, '1');
    await untilColumn(desktop, '2');
    await client.request('DELETE', objectPath(AnalysisSessions, ns.name, 'elsewhere'));
    await untilColumn(desktop, '1');
  });

  it('counts a burst of sessions with a few writes, not one per session', async () => {
    await untilColumn(scipy, '1');
    const before = await operatorWrites();
    const names = Array.from({ length: 30 }, (_, i) => `burst-${String(i)}`);
    // One after the other, as a portal's users arrive: each moves the count, and each goes through
    // the phases a real start does (which do not).
    for (const name of names) {
      await createSession(name, scipy);
      for (const phase of ['Pending', 'Provisioning', 'Running'] as const) await setPhase(name, phase);
    }
    await untilColumn(scipy, '31');
    await sleep(1500);
    const writes = (await operatorWrites()) - before;
    // 30 count changes: at most one write per STATUS_INTERVAL_MS while they arrive.
    expect(writes).toBeLessThanOrEqual(8);
  });

  it('says Ready=False (Disabled) for a disabled image, then writes nothing more once converged', async () => {
    await mergePatch(client, SessionImages, undefined, desktop, { spec: { disabled: true } });
    const disabled = await eventually('Ready=False with reason Disabled', async () => {
      const image = await client.get<SessionImage>(objectPath(SessionImages, undefined, desktop));
      const ready = image.status?.conditions?.find((c) => c.type === 'Ready');
      return ready?.status === 'False' && image.status?.observedGeneration === image.metadata.generation
        ? ready
        : undefined;
    });
    expect(disabled.reason).toBe('Disabled');

    // Converged once the controller has seen its own last write (a reconcile from a cache that lags
    // the write by a moment costs one refused write); from then on it writes nothing.
    let before = await operatorWrites();
    await eventually(
      'no more writes for a second',
      async () => {
        await sleep(1000);
        const writes = await operatorWrites();
        const settled = writes === before;
        before = writes;
        return settled ? true : undefined;
      },
      15_000,
    );
    await sleep(3000);
    expect(await operatorWrites()).toBe(before);
  });
});
