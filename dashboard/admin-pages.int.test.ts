// The admin pages against the real API server: deleting an image (a confirmation that says what
// happens to running sessions; RBAC's refusal shown in its words), VM images through the form with
// the API server's CEL messages next to the fields, the users page (who runs what against the quota
// the operator counts), and the GPU status table on the launch form and the capacity page, updated
// live when a pod takes a GPU.
import { request } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_VERSION, GROUP, VERSION, type SessionImage } from '../crds/index.ts';
import { installCrds } from '../crds/testing/api-server.ts';
import type { RunningOperator } from '../runtime/app.ts';
import {
  createProposalNamespace,
  csrfOf,
  DashboardUser,
  startTestDashboard,
  type Answer,
  type TestDashboard,
} from '../testing/dashboard.ts';
import { eventually, testKubeConfig } from '../testing/kube.ts';
import { sessionImageObject } from '../testing/objects.ts';
import { startTestOperator } from '../testing/operator.ts';

const suffix = String(Date.now() % 100000);
const proposal = `MX-${String(1000 + Math.floor(Math.random() * 8000))}`;
const imageName = `t-dash-admin-${suffix}`;
const vmImage = `t-dash-vm-${suffix}`;
const quotaName = `t-dash-admin-${suffix}`;
// The dashboard's admin group here: RBAC grants nothing to it, daas:admins holds the daas-admin role.
const DESK = `t-helpdesk-${suffix}`;
const PROXY = '127.0.0.9';
const PROXY_SECRET = 'the-proxy-secret-of-this-test';
const images = { group: GROUP, version: VERSION, plural: 'sessionimages' };
const quotas = { group: GROUP, version: VERSION, plural: 'quotas' };
let kc: KubeConfig;
let custom: CustomObjectsApi;
let ns: { name: string; remove: () => Promise<void> };
let dashboard: TestDashboard;
let operator: RunningOperator;
let secretDir: string;

/** A user signed in by the authenticating proxy's headers (from its address, with its secret). */
class ProxyUser {
  private csrf = '';
  private readonly user: string;
  private readonly groups: string[];

  constructor(user: string, groups: string[]) {
    this.user = user;
    this.groups = groups;
  }

  private send(method: string, path: string, form?: Record<string, string>): Promise<Answer> {
    const body = form ? new URLSearchParams({ _csrf: this.csrf, ...form }).toString() : undefined;
    return new Promise((resolve, reject) => {
      const req = request(
        new URL(path, dashboard.origin),
        {
          method,
          localAddress: PROXY,
          headers: {
            'x-forwarded-user': this.user,
            'x-forwarded-groups': this.groups.join(','),
            'x-daas-proxy-secret': PROXY_SECRET,
            ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
          },
        },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => {
            this.csrf = csrfOf(text) ?? this.csrf;
            resolve({ status: res.statusCode ?? 0, location: res.headers.location ?? null, text });
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  get = (path: string) => this.send('GET', path);
  post = (path: string, form: Record<string, string>) => this.send('POST', path, form);
}

const admin = new ProxyUser('lmartin', ['daas:admins', DESK]);
const helpdesk = new ProxyUser('hdesk', [DESK]);

const createSession = (name: string, owner: string) =>
  custom.createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    plural: 'analysissessions',
    namespace: ns.name,
    body: {
      apiVersion: API_VERSION,
      kind: 'AnalysisSession',
      metadata: { name },
      spec: { image: imageName, owner, proposal, resources: { cpu: 1 } },
    },
  });

beforeAll(async () => {
  kc = testKubeConfig();
  custom = kc.makeApiClient(CustomObjectsApi);
  await installCrds();
  ns = await createProposalNamespace(kc, 'dash-admin', proposal, ['akowalska', 'jdupont']);
  await custom.createClusterCustomObject({
    ...images,
    body: sessionImageObject(imageName, {
      displayName: 'GPU notebook',
      resources: { default: { cpu: 1, memory: '2Gi' }, max: { cpu: 2, memory: '4Gi', gpus: 2 } },
    }),
  });
  // A quota of this proposal only: the cluster is shared with other tests.
  await custom.createClusterCustomObject({
    ...quotas,
    body: {
      apiVersion: API_VERSION,
      kind: 'Quota',
      metadata: { name: quotaName },
      spec: { subject: { kind: 'Proposal', name: proposal }, limits: { sessions: 20, gpus: 4 } },
    },
  });
  secretDir = await mkdtemp(join(tmpdir(), 'proxy-'));
  await writeFile(join(secretDir, 'secret'), PROXY_SECRET);
  dashboard = await startTestDashboard(
    kc,
    [ns.name],
    [
      '--demo-sign-in',
      `--trusted-proxies=${PROXY}`,
      `--trusted-proxy-secret-file=${join(secretDir, 'secret')}`,
      `--admin-group=${DESK}`,
    ],
  );
  operator = await startTestOperator([ns.name], ['--quotas=true']);
  await eventually('the image in the cache', () => dashboard.running.dashboard.caches.images.get(imageName));
}, 120_000);

afterAll(async () => {
  await (dashboard as TestDashboard | undefined)?.stop();
  await (operator as RunningOperator | undefined)?.shutdown('test done');
  for (const name of [imageName, vmImage])
    await custom.deleteClusterCustomObject({ ...images, name }).catch(() => undefined);
  await custom.deleteClusterCustomObject({ ...quotas, name: quotaName }).catch(() => undefined);
  await ns.remove();
  await rm(secretDir, { recursive: true, force: true });
});

const vmForm = {
  displayName: 'Windows 11 analysis',
  os: 'windows',
  containerDisk: 'quay.io/containerdisks/windows:11',
  pvc: 'win11-golden',
  firmware: 'bios',
  secureBoot: 'on',
  tpm: 'on',
  bootstrap: 'sysprep',
  protocol: 'rdp',
  port: '3389',
  defaultCpu: '2',
  defaultMemory: '8Gi',
  maxCpu: '4',
  maxMemory: '16Gi',
  defaultLifetime: '8h',
  maxLifetime: '72h',
  everyone: 'on',
};

describe('the admin pages on the real API server', () => {
  it("adds and edits a VM image through the form, with the API server's refusals next to the fields", async () => {
    const form = await admin.get('/admin/images/new?runtime=vm');
    expect(form.status).toBe(200);
    expect(form.text).toContain('<legend>Virtual machine</legend>');
    // Two disk sources: the schema's rule, next to the disk field.
    const two = await admin.post('/admin/images', { ...vmForm, runtime: 'vm', name: vmImage });
    expect(two.status).toBe(422);
    expect(two.text).toMatch(
      /id="f-containerDisk-error">\s*set exactly one of containerDisk or persistentVolumeClaim/,
    );
    // Secure boot with BIOS firmware: the CEL rule, next to the checkbox.
    const bios = await admin.post('/admin/images', { ...vmForm, runtime: 'vm', name: vmImage, pvc: '' });
    expect(bios.status).toBe(422);
    expect(bios.text).toMatch(/id="f-secureBoot-error">\s*secure boot needs efi firmware/);
    const added = await admin.post('/admin/images', {
      ...vmForm,
      runtime: 'vm',
      name: vmImage,
      pvc: '',
      firmware: 'efi',
    });
    expect(added.status).toBe(303);
    const stored = (await custom.getClusterCustomObject({ ...images, name: vmImage })) as SessionImage;
    expect(stored.spec.runtime).toBe('vm');
    expect(stored.spec.vm).toMatchObject({
      os: 'windows',
      disk: { containerDisk: 'quay.io/containerdisks/windows:11', persistent: false },
      firmware: 'efi',
      secureBoot: true,
      tpm: true,
      bootstrap: 'sysprep',
    });

    // Editing switches the disk to a persistent golden claim; Windows cannot use cloud-init.
    const edit = await eventually('the VM image in the cache', async () => {
      const page = await admin.get(`/admin/images/${vmImage}`);
      return page.status === 200 ? page : undefined;
    });
    expect(edit.text).toContain('value="quay.io/containerdisks/windows:11"');
    const edited = { ...vmForm, firmware: 'efi', containerDisk: '', persistent: 'on' };
    const cloudInit = await admin.post(`/admin/images/${vmImage}`, { ...edited, bootstrap: 'cloudInit' });
    expect(cloudInit.status).toBe(422);
    expect(cloudInit.text).toMatch(/id="f-bootstrap-error">\s*Windows guests cannot use cloudInit/);
    expect((await admin.post(`/admin/images/${vmImage}`, edited)).status).toBe(303);
    const after = (await custom.getClusterCustomObject({ ...images, name: vmImage })) as SessionImage;
    expect(after.spec.vm?.disk).toEqual({ persistentVolumeClaim: 'win11-golden', persistent: true });
  });

  it('deletes an image after a confirmation, and shows RBAC refusing someone without the right', async () => {
    await eventually('the VM image in the cache', () =>
      dashboard.running.dashboard.caches.images.get(vmImage),
    );
    const confirm = await helpdesk.get(`/admin/images/${vmImage}/delete`);
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain('No session uses this image.');
    expect(confirm.text).toContain('Running sessions keep running with the image settings they started with');
    const refused = await helpdesk.post(`/admin/images/${vmImage}/delete`, {});
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('User &quot;hdesk&quot; cannot delete resource &quot;sessionimages&quot;');
    expect(refused.text).toContain(`Delete ${vmImage}`);

    await admin.get(`/admin/images/${vmImage}/delete`);
    const deleted = await admin.post(`/admin/images/${vmImage}/delete`, {});
    expect(deleted.status).toBe(303);
    expect(deleted.location).toBe(`/admin/images?deleted=${vmImage}`);
    await expect(custom.getClusterCustomObject({ ...images, name: vmImage })).rejects.toThrow();
    const catalogue = await admin.get(deleted.location ?? '');
    expect(catalogue.text).toContain(`Deleted ${vmImage}.`);
    expect(catalogue.text).not.toContain(`href="/admin/images/${vmImage}"`);
    // A scientist cannot reach the page at all.
    const scientist = new DashboardUser(dashboard.origin);
    await scientist.signIn('akowalska');
    expect((await scientist.get(`/admin/images/${imageName}/delete`)).status).toBe(403);
  });

  it('shows who runs what, against the quota the operator counts', async () => {
    await createSession('a-one', 'akowalska');
    await createSession('a-two', 'akowalska');
    await createSession('j-one', 'jdupont');
    const page = await eventually(
      'the users page with the counted quota',
      async () => {
        const res = await admin.get('/admin/users');
        return res.text.includes('sessions 3 of 20') ? res : undefined;
      },
      60_000,
    );
    const row = (user: string) =>
      new RegExp(`<a href="/admin/sessions\\?user=${user}">${user}</a>[\\s\\S]*?</tr>`).exec(
        page.text,
      )?.[0] ?? '';
    expect(row('akowalska')).toMatch(/<td>2 \/ 2<\/td>/);
    expect(row('akowalska')).toContain(`${proposal} (2)`);
    expect(row('akowalska')).toContain(`${imageName} (2)`);
    expect(row('akowalska')).toMatch(
      new RegExp(`${quotaName}</strong>\\s*<small>\\(Proposal ${proposal}, everyone together\\)`),
    );
    expect(row('jdupont')).toMatch(/<td>1 \/ 1<\/td>/);
    // The confirmation of deleting an image in use says how many sessions use it.
    const confirm = await admin.get(`/admin/images/${imageName}/delete`);
    expect(confirm.text).toMatch(/3 sessions use this image, 3 of them running or starting\./);
  });

  it('shows the GPU status next to the GPU choice and on the capacity page, live within a second', async () => {
    const scientist = new DashboardUser(dashboard.origin);
    await scientist.signIn('akowalska');
    const form = await scientist.get(`/proposals/${ns.name}/launch/${imageName}`);
    expect(form.text).toContain('Current status: GPUs per node pool and node');
    expect(form.text).toMatch(
      /<td>kwok-gpu-1<\/td>\s*<td>NVIDIA-A100-SXM4-40GB<\/td>\s*<td>4<\/td>\s*<td>0<\/td>/,
    );
    expect((await admin.get('/admin/capacity')).text).toContain('data-live-capacity');

    const stream = await fetch(`${dashboard.origin}/events?view=capacity&gpuResource=nvidia.com/gpu`, {
      headers: { cookie: [...scientist.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    const reader = stream.body?.getReader();
    if (!reader) throw new Error('no body');
    const decoder = new TextDecoder();
    let seen = '';
    // The events' data is JSON: the table's lines arrive as \n escapes.
    const flat = () => seen.replaceAll('\\n', ' ').replace(/\s+/g, ' ');
    const requested = (n: number) =>
      new RegExp(`<td>kwok-gpu-1</td> ?<td>NVIDIA-A100-SXM4-40GB</td> ?<td>4</td> ?<td>${String(n)}</td>`);
    const until = async (pattern: RegExp) => {
      while (!pattern.test(flat())) {
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        seen += decoder.decode(value);
      }
    };
    await until(requested(0));
    seen = '';
    // A pod of this namespace takes one GPU on the GPU node (bound directly: the test owns no node).
    const started = performance.now();
    await kc.makeApiClient(CoreV1Api).createNamespacedPod({
      namespace: ns.name,
      body: {
        metadata: { name: 'takes-a-gpu' },
        spec: {
          nodeName: 'kwok-gpu-1',
          containers: [
            { name: 'c', image: 'registry.example/gpu:1', resources: { limits: { 'nvidia.com/gpu': '1' } } },
          ],
        },
      },
    });
    await until(requested(1));
    const latency = performance.now() - started;
    process.stdout.write(
      `[dashboard] pod created → GPU status on the open stream: ${latency.toFixed(0)} ms\n`,
    );
    expect(latency).toBeLessThan(1000);
    await reader.cancel();
    await kc
      .makeApiClient(CoreV1Api)
      .deleteNamespacedPod({ namespace: ns.name, name: 'takes-a-gpu', gracePeriodSeconds: 0 });
  });
});
