// The session runner as `npm start` runs it (its own process) against the real API server and the
// real operator: a notebook session gets a JupyterLab and a desktop session an Xtigervnc at their pod
// IPs with the sessions' own token and password; stopping a session stops its processes; a runner
// killed with SIGKILL leaves none of its processes behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { GROUP, VERSION } from '../../../crds/index.ts';
import { installCrds } from '../../../crds/testing/api-server.ts';
import type { RunningOperator } from '../../../runtime/app.ts';
import { createTestNamespace, eventually, testKubeConfig } from '../../../testing/kube.ts';
import { processTree, runs } from '../../../testing/process-tree.ts';
import { sessionImageObject } from '../../../testing/objects.ts';
import { startTestOperator } from '../../../testing/operator.ts';
import { TestSessions } from '../../../testing/sessions.ts';
import { jupyterAnswers, tcpAnswers } from './probes.ts';

const here = dirname(fileURLToPath(import.meta.url));
const proposal = `MX-${String(1000 + Math.floor(Math.random() * 8000))}`;
const suffix = String(Date.now() % 100000);
const images = { notebook: `t-run-nb-${suffix}`, desktop: `t-run-desk-${suffix}` };
let kc: KubeConfig;
let ns: { name: string; remove: () => Promise<void> };
let operator: RunningOperator;
let sessions: TestSessions;
let runner: ChildProcess;
let dir: string;

function startRunner(): ChildProcess {
  return spawn(
    process.execPath,
    [
      join(here, 'main.ts'),
      `--kubeconfig=${inject('kubeconfig')}`,
      `--namespaces=${ns.name}`,
      `--work-dir=${join(dir, 'sessions')}`,
      `--log-dir=${join(dir, 'logs')}`,
      '--log-level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
}

/** The session's pod IP and its secret value (token or password), once it runs. */
async function running(name: string, key: 'token' | 'password'): Promise<{ ip: string; secret: string }> {
  const s = await sessions.until(name, 'Running', (x) => x.status?.phase === 'Running');
  const secret = await kc.makeApiClient(CoreV1Api).readNamespacedSecret({
    name: s.status?.endpoint?.credentialsSecretName ?? '',
    namespace: ns.name,
  });
  return {
    ip: s.status?.endpoint?.host ?? '',
    secret: Buffer.from(secret.data?.[key] ?? '', 'base64').toString(),
  };
}

beforeAll(async () => {
  kc = testKubeConfig();
  await installCrds();
  dir = await mkdtemp(join(tmpdir(), 'daas-runner-test-'));
  ns = await createTestNamespace(kc, 'runner', { 'daas.calipsoplus.eu/proposal': proposal });
  const custom = kc.makeApiClient(CustomObjectsApi);
  for (const [name, access] of [
    [images.notebook, { protocol: 'http', port: 8888, basePath: '/sessions/{namespace}/{session}/' }],
    [images.desktop, { protocol: 'vnc', port: 5901 }],
  ] as const)
    await custom.createClusterCustomObject({
      group: GROUP,
      version: VERSION,
      plural: 'sessionimages',
      body: sessionImageObject(name, { access }),
    });
  operator = await startTestOperator([ns.name]);
  sessions = new TestSessions(custom, ns.name, { owner: 'akowalska', proposal });
  await sessions.create('notebook', { image: images.notebook });
  await sessions.create('desktop', { image: images.desktop });
  runner = startRunner();
}, 120_000);

afterAll(async () => {
  runner.kill('SIGKILL');
  await operator.shutdown('test done');
  const custom = kc.makeApiClient(CustomObjectsApi);
  for (const name of Object.values(images))
    await custom
      .deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: 'sessionimages', name })
      .catch(() => undefined);
  await ns.remove();
  await rm(dir, { recursive: true, force: true });
});

describe('the local session runner', () => {
  it("runs JupyterLab and a VNC desktop at the sessions' pod IPs with their own credentials", async () => {
    const nb = await running('notebook', 'token');
    const url = `http://${nb.ip}:8888/sessions/${ns.name}/notebook/`;
    await eventually(
      'JupyterLab answering with the token',
      async () => ((await jupyterAnswers(url, nb.secret)) ? true : undefined),
      90_000,
      500,
    );
    expect(await jupyterAnswers(url, 'not-the-token')).toBe(false);
    const desk = await running('desktop', 'password');
    await eventually(
      'the desktop answering',
      async () => ((await tcpAnswers(desk.ip, 5901)) ? true : undefined),
      30_000,
    );
    // The RFB server offers VNC authentication (type 2) only: the password is needed.
    const offered = await new Promise<Buffer>((resolve, reject) => {
      const socket = connect({ host: desk.ip, port: 5901 });
      let got = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        got = Buffer.concat([got, chunk]);
        if (got.length === 12) socket.write(got);
        else if (got.length >= 14) {
          socket.destroy();
          resolve(got.subarray(12));
        }
      });
      socket.on('error', reject);
    });
    expect([...offered]).toEqual([1, 2]);
  });

  it("stops a session's processes when the session stops", async () => {
    const nb = await running('notebook', 'token');
    const url = `http://${nb.ip}:8888/sessions/${ns.name}/notebook/`;
    await sessions.patchSpec('notebook', { state: 'Stopped' });
    await eventually(
      'JupyterLab gone',
      async () => ((await jupyterAnswers(url, nb.secret)) ? undefined : true),
      30_000,
      500,
    );
  });

  it('leaves no process behind when it is killed', async () => {
    const pids = (await processTree(runner.pid ?? -1)).slice(1);
    expect(pids.length).toBeGreaterThanOrEqual(3); // Xtigervnc, jwm, xterm (and a shell)
    runner.kill('SIGKILL');
    await eventually(
      'every process of the runner gone',
      async () => ((await Promise.all(pids.map(runs))).some(Boolean) ? undefined : true),
      10_000,
    );
  });
});
