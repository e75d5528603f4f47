// A whole operator process in-test (runOperator, no leader election) with a small controller over
// ConfigMaps: server-side apply of owned children, level-triggered repair, error handling, events,
// and the metrics and probe endpoints scraped as Prometheus and the kubelet would.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createTestNamespace, eventually, testKubeConfig } from '../testing/kube.ts';
import { apply, writeStatus } from './apply.ts';
import { runOperator, type RunningOperator } from './app.ts';
import { setCondition, type Condition } from './conditions.ts';
import { loadRuntimeConfig } from './config.ts';
import { classifyError, isNotFound, TerminalError } from './errors.ts';
import { addFinalizer, removeFinalizer } from './finalizers.ts';
import { createLogger } from './logger.ts';
import { withControllerReference } from './owners.ts';
import { ConfigMaps, Pods, collectionPath, objectPath, type KubeObject } from './resources.ts';
import { RestClient } from './rest.ts';

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}
interface Pod extends KubeObject {
  status?: { conditions?: Condition[]; phase?: string };
}

const kc = testKubeConfig();
const requests: string[] = [];
const client = new RestClient(kc, { onRequest: (m, p) => requests.push(`${m} ${p}`) });
let ns: Awaited<ReturnType<typeof createTestNamespace>>;
let op: RunningOperator;
const managed = { 'app.kubernetes.io/managed-by': 'daas-operator' };

const getCm = (name: string) => client.get<ConfigMap>(objectPath(ConfigMaps, ns.name, name));
const createParent = (name: string, data: Record<string, string>) =>
  client.request<ConfigMap>('POST', collectionPath(ConfigMaps, ns.name), {
    body: { metadata: { name, labels: { 'test.daas/parent': 'true' } }, data },
  });

beforeAll(async () => {
  ns = await createTestNamespace(kc, 'controller');
  const config = loadRuntimeConfig([
    `--kubeconfig=${inject('kubeconfig')}`,
    `--namespaces=${ns.name}`,
    '--leader-elect=false',
    '--workers=2',
    '--metrics-bind-address=127.0.0.1:0',
    '--health-probe-bind-address=127.0.0.1:0',
  ]);
  op = await runOperator(config, {
    log: createLogger('silent'),
    handleSignals: false,
    register: ({ manager, client: c, recorder }) => {
      const parents = manager.cache<ConfigMap>(ConfigMaps, { labelSelector: 'test.daas/parent=true' });
      manager.controller({
        name: 'parents',
        for: ConfigMaps,
        forSelectors: { labelSelector: 'test.daas/parent=true' },
        owns: [
          { type: ConfigMaps, selectors: { labelSelector: 'app.kubernetes.io/managed-by=daas-operator' } },
        ],
        reconcile: async (req) => {
          const parent = parents.get(req.key);
          if (!parent) return;
          const mode = parent.data?.mode ?? 'ok';
          if (mode === 'fail') throw new Error('parent asks to fail');
          if (mode === 'terminal') throw new TerminalError('BadSpec', 'the spec can never work');
          const child: ConfigMap = {
            metadata: { name: `${req.name}-child`, namespace: req.namespace, labels: managed },
            data: { copy: parent.data?.value ?? '' },
          };
          await apply(c, ConfigMaps, withControllerReference(child, ConfigMaps, parent));
          void recorder.record(parent, 'Normal', 'Synced', 'Apply', 'child is up to date');
          return mode === 'later' ? { requeueAfterMs: 200 } : undefined;
        },
      });
    },
  });
});

afterAll(async () => {
  await op.shutdown('test done');
  await ns.remove();
  client.close();
});

describe('a controller in a running operator', () => {
  it('applies owned children, repairs them level-triggered, and reports ready', async () => {
    // Metrics and probes share one address here, so one server answers both.
    const probes = op.servers[0];
    const parent = await createParent('p1', { value: 'one' });
    const child = await eventually('the child', () => getCm('p1-child').catch(() => undefined));
    expect(child.data).toEqual({ copy: 'one' });
    expect(child.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'ConfigMap',
      name: 'p1',
      uid: parent.metadata.uid,
      controller: true,
    });
    const fields = (child.metadata as { managedFields?: { manager: string; operation: string }[] })
      .managedFields;
    expect(fields?.some((f) => f.manager === 'daas-operator' && f.operation === 'Apply')).toBe(true);

    await client.request('PATCH', objectPath(ConfigMaps, ns.name, 'p1'), {
      body: { data: { value: 'two' } },
      contentType: 'application/merge-patch+json',
    });
    await eventually('the child to follow its parent', async () =>
      (await getCm('p1-child')).data?.copy === 'two' ? true : undefined,
    );

    // Someone deletes the child: the Owns() watch maps it to the parent, which re-creates it.
    await client.request('DELETE', objectPath(ConfigMaps, ns.name, 'p1-child'));
    await eventually('the child to come back', () => getCm('p1-child').catch(() => undefined));

    const ready = await fetch(`http://127.0.0.1:${probes?.port ?? 0}/readyz`);
    expect(ready.status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${probes?.port ?? 0}/healthz`)).status).toBe(200);

    // Deleting the parent lets the garbage collector remove the child through its owner reference.
    await client.request('DELETE', objectPath(ConfigMaps, ns.name, 'p1'));
    await eventually('garbage collection of the child', async () =>
      (await getCm('p1-child').catch((e: unknown) => (isNotFound(e) ? 'gone' : undefined))) === 'gone'
        ? true
        : undefined,
    );
  });

  it('aggregates repeated events into one Event with a series count', async () => {
    const parent = await createParent('p2', { value: 'x' });
    for (let i = 0; i < 3; i++) await op.recorder.record(parent, 'Warning', 'Stuck', 'Check', 'still stuck');
    const list = await client.get<{
      items: { reason: string; series?: { count: number }; regarding: { uid: string } }[];
    }>(
      collectionPath(
        { group: 'events.k8s.io', version: 'v1', plural: 'events', kind: 'Event', namespaced: true },
        ns.name,
      ),
    );
    const stuck = list.items.filter((e) => e.reason === 'Stuck' && e.regarding.uid === parent.metadata.uid);
    expect(stuck).toHaveLength(1);
    expect(stuck[0]?.series?.count).toBe(3);
  });

  it('exposes controller-runtime metrics with sensible values after reconciles', async () => {
    await createParent('p-fail', { mode: 'fail' });
    await createParent('p-terminal', { mode: 'terminal' });
    await createParent('p-later', { mode: 'later', value: 'l' });
    const metricsUrl = `http://127.0.0.1:${op.servers[0]?.port ?? 0}/metrics`;
    const value = (text: string, series: string) => {
      const line = text.split('\n').find((l) => l.startsWith(series + ' '));
      return line === undefined ? undefined : Number(line.slice(series.length + 1));
    };
    const text = await eventually(
      'errors, retries and timed requeues in the metrics',
      async () => {
        const t = await (await fetch(metricsUrl)).text();
        const ok =
          (value(t, 'controller_runtime_reconcile_errors_total{controller="parents"}') ?? 0) >= 3 &&
          (value(t, 'controller_runtime_reconcile_total{controller="parents",result="requeue_after"}') ??
            0) >= 3;
        return ok ? t : undefined;
      },
      20_000,
      200,
    );
    expect(
      value(text, 'controller_runtime_reconcile_total{controller="parents",result="success"}'),
    ).toBeGreaterThanOrEqual(3);
    expect(
      value(text, 'controller_runtime_reconcile_total{controller="parents",result="error"}'),
    ).toBeGreaterThanOrEqual(3);
    // The terminal error is not retried: exactly one.
    expect(value(text, 'controller_runtime_terminal_reconcile_errors_total{controller="parents"}')).toBe(1);
    expect(
      value(text, 'controller_runtime_reconcile_time_seconds_count{controller="parents"}'),
    ).toBeGreaterThanOrEqual(9);
    expect(value(text, 'controller_runtime_max_concurrent_reconciles{controller="parents"}')).toBe(2);
    expect(value(text, 'workqueue_depth{name="parents",controller="parents"}')).toBeGreaterThanOrEqual(0);
    expect(value(text, 'workqueue_adds_total{name="parents",controller="parents"}')).toBeGreaterThanOrEqual(
      9,
    );
    expect(
      value(text, 'workqueue_retries_total{name="parents",controller="parents"}'),
    ).toBeGreaterThanOrEqual(2);
    expect(
      value(text, 'workqueue_queue_duration_seconds_count{name="parents",controller="parents"}'),
    ).toBeGreaterThanOrEqual(9);
    expect(
      value(text, 'workqueue_work_duration_seconds_count{name="parents",controller="parents"}'),
    ).toBeGreaterThanOrEqual(9);
    expect(text).toMatch(
      /^rest_client_requests_total\{code="200",method="GET",host="127\.0\.0\.1:\d+"\} \d+/m,
    );
    expect(text).toMatch(
      /^rest_client_requests_total\{code="201",method="POST",host="127\.0\.0\.1:\d+"\} \d+/m,
    );
    expect(text).toMatch(
      /^rest_client_requests_total\{code="200",method="PATCH",host="127\.0\.0\.1:\d+"\} \d+/m,
    );
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
    // The failing key backs off: after some seconds it has been retried a handful of times, not hundreds.
    const failing = value(text, 'controller_runtime_reconcile_errors_total{controller="parents"}') ?? 0;
    expect(failing).toBeLessThan(30);
  });
});

describe('write helpers', () => {
  it('writes status only when it changed, and a stale write conflicts', async () => {
    const pod = await client.request<Pod>('POST', collectionPath(Pods, ns.name), {
      // No scheduler picks this pod up, so only this test writes its status.
      body: {
        metadata: { name: 'status-pod' },
        spec: { schedulerName: 'nobody', containers: [{ name: 'c', image: 'busybox' }] },
      },
    });
    const conditions = setCondition(
      pod.status?.conditions,
      { type: 'daas.calipsoplus.eu/Checked', status: 'True', reason: 'Checked', message: 'fine' },
      pod.metadata.generation,
    );
    const first = await writeStatus(client, Pods, pod, { ...pod.status, conditions });
    expect(first.written).toBe(true);
    requests.length = 0;
    const second = await writeStatus(client, Pods, first.object, {
      ...first.object.status,
      conditions: first.object.status?.conditions,
    });
    expect(second.written).toBe(false);
    expect(requests).toEqual([]);
    // The original object carries an old resourceVersion: the API server refuses to overwrite.
    const stale = await writeStatus(client, Pods, pod, {
      ...pod.status,
      phase: 'Pending',
      conditions: [],
    }).catch((e: unknown) => e);
    expect(classifyError(stale).action).toBe('requeue-now');
  });

  it('holds deletion with a finalizer until it is removed', async () => {
    const cm = await client.request<ConfigMap>('POST', collectionPath(ConfigMaps, ns.name), {
      body: { metadata: { name: 'final' } },
    });
    const held = await addFinalizer(client, ConfigMaps, cm, 'daas.calipsoplus.eu/cleanup');
    expect(held.metadata.finalizers).toEqual(['daas.calipsoplus.eu/cleanup']);
    await client.request('DELETE', objectPath(ConfigMaps, ns.name, 'final'));
    const deleting = await getCm('final');
    expect(deleting.metadata.deletionTimestamp).toBeDefined();
    await removeFinalizer(client, ConfigMaps, deleting, 'daas.calipsoplus.eu/cleanup');
    await eventually('the object to go', async () =>
      (await getCm('final').catch((e: unknown) => isNotFound(e))) === true ? true : undefined,
    );
  });

  it('classifies an invalid object as not retryable', async () => {
    const err = await apply(client, ConfigMaps, {
      metadata: { name: 'Not_Valid', namespace: ns.name },
    }).catch((e: unknown) => e);
    expect(classifyError(err)).toMatchObject({ action: 'no-retry', reason: 'Invalid' });
  });
});
