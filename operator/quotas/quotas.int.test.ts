// Quotas on the real local control plane, acting as the users (impersonation): a burst of sessions
// from one user whose quota allows 5 never has more than 5 admitted (sampled throughout, pods
// included), the others wait as Queued with the message; stopping 2 admits the 2 oldest; two
// operators reconciling at once (a split brain) never admit more; a ledger is repaired after a crash
// between the ledger write and the session's status write. `npm run bench:quota` runs the 200.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import {
  CoreV1Api,
  CustomObjectsApi,
  RbacAuthorizationV1Api,
  type KubeConfig,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import {
  GROUP,
  GROUPS_ANNOTATION,
  VERSION,
  type AnalysisSession,
  type LedgerEntry,
  type Quota,
} from '../../crds/index.ts';
import { installCrds, kubectl } from '../../crds/testing/api-server.ts';
import type { RunningOperator } from '../../runtime/app.ts';
import { fromFile } from '../../runtime/kubeconfig.ts';
import { RestClient } from '../../runtime/rest.ts';
import { sleep } from '../../runtime/time.ts';
import { createTestNamespace, eventually, testKubeConfig } from '../../testing/kube.ts';
import { analysisSessionObject, sessionImageObject } from '../../testing/objects.ts';
import { startTestOperator } from '../../testing/operator.ts';
import { TestSessions } from '../../testing/sessions.ts';
import { quotasModule, sessionsModule } from '../controllers.ts';

const BURST = 30;
const LIMIT = 5;
const suffix = randomBytes(3).toString('hex');
const image = `t-quota-${suffix}`;
const proposal = `QT-${suffix}`;
let kc: KubeConfig;
let custom: CustomObjectsApi;
let core: CoreV1Api;
let admin: RestClient;
let ns: { name: string; remove: () => Promise<void> };
const operators: RunningOperator[] = [];
const quotas: string[] = [];

const where = () => ({ group: GROUP, version: VERSION, plural: 'quotas' });

beforeAll(async () => {
  kc = testKubeConfig();
  custom = kc.makeApiClient(CustomObjectsApi);
  core = kc.makeApiClient(CoreV1Api);
  admin = new RestClient(fromFile(inject('kubeconfig')));
  // Also the optional MutatingAdmissionPolicy that stamps the groups: the local control plane serves it.
  await installCrds();
  ns = await createTestNamespace(kc, 'quota', { 'daas.calipsoplus.eu/proposal': proposal });
  await custom.createClusterCustomObject({
    group: GROUP,
    version: VERSION,
    plural: 'sessionimages',
    body: sessionImageObject(image, {
      resources: { default: { cpu: '10m', memory: '32Mi' }, max: { cpu: 1, memory: '1Gi' } },
    }),
  });
}, 120_000);

afterAll(async () => {
  for (const op of operators) await op.shutdown('test done');
  await custom
    .deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: 'sessionimages', name: image })
    .catch(() => undefined);
  for (const name of quotas)
    await custom.deleteClusterCustomObject({ ...where(), name }).catch(() => undefined);
  await ns.remove();
  admin.close();
});

/** A Quota, deleted after the tests. */
async function createQuota(name: string, subject: object, limits: object): Promise<void> {
  await custom.createClusterCustomObject({
    ...where(),
    body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'Quota', metadata: { name }, spec: { subject, limits } },
  });
  quotas.push(name);
}

/** A user who may work in the namespace (daas-scientist bound there), with a User quota of LIMIT sessions. */
async function scientist(name: string): Promise<{ user: string; quota: string; sessions: TestSessions }> {
  const user = `${name}-${suffix}`;
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  await rbac.createNamespacedRoleBinding({
    namespace: ns.name,
    body: {
      metadata: { name: `members-${user}` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'daas-scientist' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
    },
  });
  const quota = `user-${user}`;
  await createQuota(quota, { kind: 'User', name: user }, { sessions: LIMIT, maxLifetime: '30m' });
  return { user, quota, sessions: new TestSessions(custom, ns.name, { owner: user, proposal, image }) };
}

/** Creates a session as `user` (impersonated, with `groups`), as a portal acting for the user would. */
async function createAs(
  user: string,
  name: string,
  spec: Record<string, unknown> = {},
  groups: string[] = [],
  annotations: Record<string, string> = {},
): Promise<AnalysisSession> {
  const body = analysisSessionObject(name, { owner: user, proposal, image, lifetime: '1h', ...spec });
  return admin.request('POST', `/apis/${GROUP}/${VERSION}/namespaces/${ns.name}/analysissessions`, {
    body: { ...body, metadata: { ...body.metadata, annotations } },
    headers: { 'Impersonate-User': user, ...(groups.length ? { 'Impersonate-Group': groups } : {}) },
  });
}

async function patchAs(user: string, name: string, spec: Record<string, unknown>): Promise<void> {
  await admin.request('PATCH', `/apis/${GROUP}/${VERSION}/namespaces/${ns.name}/analysissessions/${name}`, {
    body: { spec },
    contentType: 'application/merge-patch+json',
    headers: { 'Impersonate-User': user },
  });
}

const admitted = (s: AnalysisSession) =>
  s.spec.state === 'Running' &&
  s.status?.conditions?.some((c) => c.type === 'QuotaAdmitted' && c.status === 'True') === true;

async function quotaObject(name: string): Promise<Quota> {
  return (await custom.getClusterCustomObject({ ...where(), name })) as Quota;
}

/** Samples the owner's admitted sessions and pods every 50 ms until stopped; returns the most seen. */
function sample(user: string, sessions: TestSessions) {
  let most = 0;
  let samples = 0;
  const state = { stop: false };
  const done = (async () => {
    while (!state.stop) {
      const [list, pods] = await Promise.all([
        sessions.list(),
        core.listNamespacedPod({ namespace: ns.name, labelSelector: 'daas.calipsoplus.eu/session' }),
      ]);
      const mine = list.filter((s) => s.spec.owner === user);
      const names = new Set(mine.map((s) => s.metadata.name));
      const running = pods.items.filter((p) =>
        names.has(p.metadata?.annotations?.['daas.calipsoplus.eu/session'] ?? ''),
      );
      most = Math.max(most, mine.filter(admitted).length, running.length);
      samples += 1;
      await sleep(50);
    }
  })();
  return {
    async stop() {
      state.stop = true;
      await done;
      return { most, samples };
    },
  };
}

const name = (i: number) => `s-${String(i).padStart(3, '0')}`;

describe('a user whose quota allows 5 sessions', () => {
  let alice: Awaited<ReturnType<typeof scientist>>;

  it(`creates ${String(BURST)} at once: exactly 5 run, the others wait as Queued saying why`, async () => {
    alice = await scientist('alice');
    operators.push(await startTestOperator([ns.name], ['--quotas=true'], [sessionsModule, quotasModule]));
    const sampler = sample(alice.user, alice.sessions);
    await Promise.all(Array.from({ length: BURST }, (_, i) => createAs(alice.user, name(i))));
    const settled = await eventually(
      '5 Running and the rest Queued',
      async () => {
        const list = (await alice.sessions.list()).filter((s) => s.spec.owner === alice.user);
        const running = list.filter((s) => s.status?.phase === 'Running');
        const queued = list.filter((s) => s.status?.phase === 'Queued');
        return running.length === LIMIT && queued.length === BURST - LIMIT ? { running, queued } : undefined;
      },
      90_000,
      200,
    );
    const { most, samples } = await sampler.stop();
    expect(samples).toBeGreaterThan(4);
    expect(most).toBe(LIMIT);
    const q = settled.queued[0];
    expect(q?.status?.reason).toBe('QuotaExceeded');
    // (The lifetime cap is said after it, as for every session that starts: see below.)
    expect(
      q?.status?.message?.startsWith(
        `You use 5 of 5 sessions (quota ${alice.quota}). Stop a session or ask the facility to raise the quota.`,
      ),
    ).toBe(true);
    expect(q?.status?.conditions?.find((c) => c.type === 'QuotaAdmitted')).toMatchObject({
      status: 'False',
      reason: 'QuotaExceeded',
    });
    // The lifetime asked (1h) is above the quota's maximum (30m): capped, and said.
    expect(settled.running[0]?.status?.message).toContain(
      `longer than quota ${alice.quota} allows: capped at 30 min`,
    );
    // kubectl shows what is used and what waits.
    await eventually('Used 5, Queued 25', async () => {
      const table = await kubectl('get', 'dquota', alice.quota);
      return /User\s+\S+\s+5\s+.*\s5\s+25\s/.test(table) ? table : undefined;
    });
    const ledger = (await quotaObject(alice.quota)).status?.ledger ?? [];
    expect(ledger.map((e) => e.session).sort()).toEqual(
      settled.running.map((s) => `${ns.name}/${s.metadata.name}`).sort(),
    );
  }, 180_000);

  it('stopping 2 admits the 2 oldest waiting, and no other', async () => {
    const list = (await alice.sessions.list()).filter((s) => s.spec.owner === alice.user);
    const running = list.filter((s) => s.status?.phase === 'Running').map((s) => s.metadata.name);
    // Oldest first: by creation time (to the second), then by name, as the operator orders them.
    const waiting = list
      .filter((s) => s.status?.phase === 'Queued')
      .map((s) => `${String(s.metadata.creationTimestamp)} ${s.metadata.name}`)
      .sort()
      .map((key) => key.split(' ')[1] ?? '');
    const sampler = sample(alice.user, alice.sessions);
    await Promise.all(running.slice(0, 2).map((n) => patchAs(alice.user, n, { state: 'Stopped' })));
    const next = waiting.slice(0, 2);
    for (const n of next)
      await alice.sessions.until(n, 'Running', (s) => s.status?.phase === 'Running', 30_000);
    await sleep(1500);
    const { most } = await sampler.stop();
    expect(most).toBe(LIMIT);
    const after = (await alice.sessions.list()).filter((s) => s.spec.owner === alice.user);
    expect(
      after
        .filter((s) => s.status?.phase === 'Running')
        .map((s) => s.metadata.name)
        .sort(),
    ).toEqual([...running.slice(2), ...next].sort());
    expect(after.filter((s) => s.status?.phase === 'Queued')).toHaveLength(waiting.length - 2);
    // The admitted sessions say so in an Event.
    const events = await core.listNamespacedEvent({
      namespace: ns.name,
      fieldSelector: `involvedObject.name=${next[0] ?? ''}`,
    });
    expect(events.items.map((e) => e.reason)).toEqual(
      expect.arrayContaining(['PhaseQueued', 'QuotaAdmitted']),
    );
  }, 90_000);

  it('a ledger is repaired after a crash between the ledger write and the status write', async () => {
    // The operator stops; meanwhile a running session is deleted (its share leaks unless repaired)
    // and the oldest waiting session is written into the ledger as a crash after the ledger write would leave it.
    for (const op of operators.splice(0)) await op.shutdown('simulated crash');
    const list = (await alice.sessions.list()).filter((s) => s.spec.owner === alice.user);
    const gone = list.find((s) => s.status?.phase === 'Running');
    const oldest = list
      .filter((s) => s.status?.phase === 'Queued')
      .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))[0];
    if (!gone || !oldest) throw new Error('expected a running and a queued session');
    await alice.sessions.delete(gone.metadata.name);
    const quota = await quotaObject(alice.quota);
    const entry: LedgerEntry = {
      uid: oldest.metadata.uid ?? '',
      session: `${ns.name}/${oldest.metadata.name}`,
      user: alice.user,
      generation: oldest.metadata.generation ?? 1,
      cpu: '10m',
      memory: '32Mi',
    };
    await admin.request('PUT', `/apis/${GROUP}/${VERSION}/quotas/${alice.quota}/status`, {
      body: { ...quota, status: { ...quota.status, ledger: [...(quota.status?.ledger ?? []), entry] } },
    });
    operators.push(await startTestOperator([ns.name], ['--quotas=true'], [sessionsModule, quotasModule]));
    const sampler = sample(alice.user, alice.sessions);
    await alice.sessions.until(oldest.metadata.name, 'Running', (s) => s.status?.phase === 'Running', 30_000);
    await eventually('the ledger holds the 5 running sessions', async () => {
      const ledger = (await quotaObject(alice.quota)).status?.ledger ?? [];
      return ledger.length === LIMIT && !ledger.some((e) => e.uid === gone.metadata.uid) ? ledger : undefined;
    });
    await sleep(1500);
    expect((await sampler.stop()).most).toBe(LIMIT);
  }, 90_000);
});

describe('two operators reconciling at once (leader election off)', () => {
  it('never admit more than the quota', async () => {
    const bob = await scientist('bob');
    operators.push(await startTestOperator([ns.name], ['--quotas=true'], [sessionsModule, quotasModule]));
    while (operators.length < 2) {
      operators.push(await startTestOperator([ns.name], ['--quotas=true'], [sessionsModule, quotasModule]));
    }
    const sampler = sample(bob.user, bob.sessions);
    await Promise.all(Array.from({ length: BURST }, (_, i) => createAs(bob.user, `b-${name(i)}`)));
    await eventually(
      '5 Running and the rest Queued',
      async () => {
        const list = (await bob.sessions.list()).filter((s) => s.spec.owner === bob.user);
        const running = list.filter((s) => s.status?.phase === 'Running').length;
        const queued = list.filter((s) => s.status?.phase === 'Queued').length;
        return running === LIMIT && queued === BURST - LIMIT ? true : undefined;
      },
      90_000,
      200,
    );
    // Stop and start sessions while both run: still never more than 5.
    const running = (await bob.sessions.list()).filter(
      (s) => s.spec.owner === bob.user && s.status?.phase === 'Running',
    );
    await Promise.all(
      running.slice(0, 3).map((s) => patchAs(bob.user, s.metadata.name, { state: 'Stopped' })),
    );
    await eventually('5 Running again', async () => {
      const list = (await bob.sessions.list()).filter((s) => s.spec.owner === bob.user);
      return list.filter((s) => s.status?.phase === 'Running').length === LIMIT ? true : undefined;
    });
    await sleep(2000);
    const { most, samples } = await sampler.stop();
    expect(samples).toBeGreaterThan(4);
    expect(most).toBe(LIMIT);
    expect((await quotaObject(bob.quota)).status?.ledger).toHaveLength(LIMIT);
  }, 180_000);
});

describe('group quotas count the groups stamped at admission', () => {
  it('a Group quota holds the members together; a user who writes the groups annotation is overwritten', async () => {
    const group = `staff-${suffix}`;
    const carol = await scientist('carol');
    const dave = await scientist('dave');
    const quota = `group-${group}`;
    await createQuota(quota, { kind: 'Group', name: group }, { sessions: 1 });
    if (operators.length === 0) {
      operators.push(await startTestOperator([ns.name], ['--quotas=true'], [sessionsModule, quotasModule]));
    }
    // Carol is in the group: her groups are stamped, whatever she writes herself.
    const first = await createAs(carol.user, 'g-carol-1', {}, [group], { [GROUPS_ANNOTATION]: 'nobody' });
    expect(first.metadata.annotations?.[GROUPS_ANNOTATION]?.split(',')).toContain(group);
    expect(first.metadata.annotations?.[GROUPS_ANNOTATION]).not.toContain('nobody');
    await carol.sessions.until('g-carol-1', 'Running', (s) => s.status?.phase === 'Running');
    await createAs(carol.user, 'g-carol-2', {}, [group]);
    const held = await carol.sessions.until('g-carol-2', 'Queued', (s) => s.status?.phase === 'Queued');
    expect(held.status?.message).toMatch(
      new RegExp(`^The group ${group} uses 1 of 1 session \\(quota ${quota}\\)`),
    );
    // Dave is not in the group and claims it: the stamp says what he is, so the group quota does not
    // count him (his own quota of 5 does).
    const claimed = await createAs(dave.user, 'g-dave-1', {}, [], { [GROUPS_ANNOTATION]: group });
    expect(claimed.metadata.annotations?.[GROUPS_ANNOTATION]).not.toContain(group);
    await dave.sessions.until('g-dave-1', 'Running', (s) => s.status?.phase === 'Running');
    // And nobody changes the stamp afterwards.
    const change = await admin
      .request('PATCH', `/apis/${GROUP}/${VERSION}/namespaces/${ns.name}/analysissessions/g-dave-1`, {
        body: { metadata: { annotations: { [GROUPS_ANNOTATION]: group } } },
        contentType: 'application/merge-patch+json',
        headers: { 'Impersonate-User': dave.user },
      })
      .then(
        () => 'accepted',
        (err: unknown) => String(err),
      );
    expect(change).toContain('the groups are stamped when the session is created and cannot be changed');
  }, 90_000);
});

describe('resizing a running session is checked like an admission', () => {
  it('a resize beyond the quota leaves the session running as it was and says why; it applies once there is room', async () => {
    const user = `erin-${suffix}`;
    const erin = await scientist('erin');
    // A second quota of hers, on cpu: both her quotas apply (the User quota of 5 sessions too).
    const cpuQuota = `cpu-${user}`;
    await createQuota(cpuQuota, { kind: 'Proposal', name: proposal }, { cpu: '300m' });
    if (operators.length === 0) {
      operators.push(await startTestOperator([ns.name], ['--quotas=true'], [sessionsModule, quotasModule]));
    }
    // Other tests' sessions of the proposal hold 10m each: stop them, so the proposal's cpu is hers.
    for (const s of await erin.sessions.list()) {
      if (s.spec.owner !== user && s.spec.state === 'Running')
        await patchAs(s.spec.owner, s.metadata.name, { state: 'Stopped' });
    }
    await eventually('the proposal quota holds nothing', async () => {
      const q = await quotaObject(cpuQuota);
      return (q.status?.ledger ?? []).length === 0 && q.status?.used ? q : undefined;
    });
    await createAs(user, 'r-1', { resources: { cpu: '100m' } });
    await createAs(user, 'r-2', { resources: { cpu: '100m' } });
    for (const n of ['r-1', 'r-2'])
      await erin.sessions.until(n, 'Running', (s) => s.status?.phase === 'Running');
    const podBefore = await core.readNamespacedPod({ namespace: ns.name, name: 'daas-r-1' });

    // 250m + 100m is above 300m: refused, and the session runs on with 100m.
    await patchAs(user, 'r-1', { resources: { cpu: '250m' } });
    const held = await erin.sessions.until('r-1', 'says the resize was refused', (s) =>
      (s.status?.message ?? '').includes('The resize was not applied'),
    );
    expect(held.status?.phase).toBe('Running');
    expect(held.status?.resources?.cpu).toBe('100m');
    expect(held.status?.conditions?.find((c) => c.type === 'QuotaAdmitted')).toMatchObject({
      status: 'True',
      reason: 'ResizeExceedsQuota',
      message: `The resize was not applied: with 250m cpu for this session, proposal ${proposal} would use 350m of 300m cpu (quota ${cpuQuota}). The session keeps running with 100m cpu; the resize applies by itself once there is room. Stop another session, ask for less, or ask the facility to raise the quota.`,
    });
    await sleep(1500);
    const podHeld = await core.readNamespacedPod({ namespace: ns.name, name: 'daas-r-1' });
    expect(podHeld.metadata?.uid).toBe(podBefore.metadata?.uid);
    expect(podHeld.spec?.containers[0]?.resources?.requests?.cpu).toBe('100m');
    const ledger = (await quotaObject(cpuQuota)).status?.ledger ?? [];
    expect(ledger.find((e) => e.session === `${ns.name}/r-1`)?.cpu).toBe('100m');
    // Not counted as waiting to start.
    expect((await quotaObject(cpuQuota)).status?.queued ?? 0).toBe(0);

    // Stopping the other session makes room: the resize applies by itself (a new pod with 250m).
    await patchAs(user, 'r-2', { state: 'Stopped' });
    const resized = await erin.sessions.until(
      'r-1',
      'resized to 250m',
      (s) => s.status?.phase === 'Running' && s.status.resources?.cpu === '250m',
    );
    expect(resized.status?.conditions?.find((c) => c.type === 'QuotaAdmitted')?.reason).toBe('QuotaAdmitted');
    const podAfter = await core.readNamespacedPod({ namespace: ns.name, name: 'daas-r-1' });
    expect(podAfter.metadata?.uid).not.toBe(podBefore.metadata?.uid);
    expect(podAfter.spec?.containers[0]?.resources?.requests?.cpu).toBe('250m');
    expect((await quotaObject(cpuQuota)).status?.used?.cpu).toBe('250m');

    // Shrinking always fits.
    await patchAs(user, 'r-1', { resources: { cpu: '50m' } });
    await erin.sessions.until('r-1', 'resized to 50m', (s) => s.status?.resources?.cpu === '50m');
  }, 120_000);
});

describe('two Quotas with one subject', () => {
  it('each says so (Conflict, DuplicateSubject), naming the other; deleting one clears it', async () => {
    const user = `frank-${suffix}`;
    const a = `frank-a-${suffix}`;
    const b = `frank-b-${suffix}`;
    if (operators.length === 0) {
      operators.push(await startTestOperator([ns.name], ['--quotas=true'], [sessionsModule, quotasModule]));
    }
    await createQuota(a, { kind: 'User', name: user }, { sessions: 5 });
    await createQuota(b, { kind: 'User', name: user }, { sessions: 2 });
    const conflict = async (name: string) =>
      (await quotaObject(name)).status?.conditions?.find((c) => c.type === 'Conflict');
    for (const [name, other] of [
      [a, b],
      [b, a],
    ] as const) {
      const c = await eventually(`${name} reports ${other}`, async () => {
        const found = await conflict(name);
        return found?.status === 'True' ? found : undefined;
      });
      expect(c.reason).toBe('DuplicateSubject');
      expect(c.message).toBe(
        `Quota ${other} also limits the user ${user}: every one of them applies to the same sessions, so for each limit (sessions, cpu, memory, GPUs, disk, maxLifetime) the stricter one holds. Keep one Quota per subject.`,
      );
    }
    await custom.deleteClusterCustomObject({ ...where(), name: b });
    await eventually(`${a} has no conflict`, async () => {
      const found = await conflict(a);
      return found?.status === 'False' && found.reason === 'UniqueSubject' ? found : undefined;
    });
  }, 60_000);
});

describe('two operator processes reconciling at once (leader election off)', () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) child.kill('SIGKILL');
  });

  /** An operator in its own OS process (testing/quota-operator-process.ts); resolves once it runs. */
  async function operatorProcess(): Promise<ChildProcess> {
    const child = spawn(
      process.execPath,
      ['testing/quota-operator-process.ts', inject('kubeconfig'), ns.name],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    children.push(child);
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
        if (line === 'started') resolve();
      });
      child.on('exit', (code) => {
        reject(new Error(`the operator process exited with ${String(code)}`));
      });
    });
    return child;
  }

  it('never admit more than the quota, also when one is killed (kill -9) while it admits', async () => {
    // Only the two processes reconcile from here on.
    for (const op of operators.splice(0)) await op.shutdown('two processes take over');
    const gina = await scientist('gina');
    const [first] = await Promise.all([operatorProcess(), operatorProcess()]);
    const sampler = sample(gina.user, gina.sessions);
    await Promise.all(Array.from({ length: BURST }, (_, i) => createAs(gina.user, `p-${name(i)}`)));
    const mine = async () => (await gina.sessions.list()).filter((s) => s.spec.owner === gina.user);
    const settled = async () => {
      const list = await mine();
      const running = list.filter((s) => s.status?.phase === 'Running');
      const queued = list.filter((s) => s.status?.phase === 'Queued');
      const wanted = list.filter((s) => s.spec.state === 'Running').length;
      return running.length === LIMIT && queued.length === wanted - LIMIT ? running : undefined;
    };
    const running = await eventually('5 Running and the rest Queued', settled, 90_000, 200);
    // Stop 3: both processes race to admit 3 waiting sessions, and one is killed while they do.
    await Promise.all(
      running.slice(0, 3).map((s) => patchAs(gina.user, s.metadata.name, { state: 'Stopped' })),
    );
    await sleep(150);
    first.kill('SIGKILL');
    const after = await eventually('5 Running again', settled, 60_000, 200);
    await sleep(2000);
    const { most, samples } = await sampler.stop();
    expect(samples).toBeGreaterThan(4);
    expect(most).toBe(LIMIT);
    // The ledger holds exactly the running sessions: nothing leaked, nothing counted twice.
    await eventually('the ledger holds the 5 running sessions', async () => {
      const ledger = (await quotaObject(gina.quota)).status?.ledger ?? [];
      const names = ledger.map((e) => e.session).sort();
      const want = after.map((s) => `${ns.name}/${s.metadata.name}`).sort();
      return JSON.stringify(names) === JSON.stringify(want) ? ledger : undefined;
    });
  }, 240_000);
});
