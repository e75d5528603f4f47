// The local control plane: etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok as
// local processes bound to 127.0.0.1, with fake nodes whose pod IPs are loopback addresses.
// One directory holds everything of one cluster (PKI, etcd data, logs, kubeconfig, state).
import { createServer } from 'node:net';
import { mkdir, readFile, rename, rm, writeFile, access, open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { ensurePki, type Pki } from './pki.ts';
import { isAlive, isOurs, startDetached, stopProcess, type Started } from './processes.ts';
import { LocalApi, httpsRequest } from './local-api.ts';
import { installCrds } from './crds.ts';
import { kubevirtCrdsPath } from './binaries.ts';
import { sleep } from '../../runtime/time.ts';

const here = dirname(fileURLToPath(import.meta.url));
export const manifestsDir = join(here, 'manifests');

export const componentNames = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kwok',
] as const;
export type ComponentName = (typeof componentNames)[number];

/** client-go's default renew deadline for kube-scheduler and kube-controller-manager elections. */
const ELECTED_RENEW_DEADLINE_MS = 10_000;

interface Ports {
  etcdClient: number;
  etcdPeer: number;
  apiserver: number;
  controllerManager: number;
  scheduler: number;
  kwok: number;
}

interface State {
  binDir: string;
  ports: Ports;
  /** Components, the guard, and processes adopted from the caller (e.g. the operator of `npm start`). */
  pids: Partial<Record<string, number>>;
  /**
   * Second octet of this cluster's pod network 127.<podNet>.0.0/16, chosen at random once: two local
   * clusters running at the same time (a demo and a test run) never hand out the same pod IP.
   */
  podNet: number;
}

export interface StartOptions {
  /** Directory for this cluster; created if missing. An existing, stopped cluster's data is kept. */
  dir: string;
  /** Where the built binaries are (see build.sh). */
  binDir: string;
  /** When set, a guard process stops the cluster as soon as this pid is gone (tests, `npm start`). */
  ownerPid?: number;
  /** Remove the directory when the guard stops the cluster (test clusters). */
  ephemeral?: boolean;
  log?: (line: string) => void;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

async function writeAtomic(path: string, text: string): Promise<void> {
  await writeFile(`${path}.tmp`, text);
  await rename(`${path}.tmp`, path);
}

async function fileExists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

export async function readState(dir: string): Promise<State | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as State;
  } catch {
    return undefined;
  }
}

export class LocalCluster {
  readonly dir: string;
  readonly kubeconfigPath: string;
  readonly pki: Pki;
  private state: State;
  private readonly log: (line: string) => void;
  private readonly watchers = new Map<ComponentName, Started>();
  private saving: Promise<void> = Promise.resolve();

  private constructor(dir: string, pki: Pki, state: State, log: (line: string) => void) {
    this.dir = dir;
    this.kubeconfigPath = join(dir, 'kubeconfig');
    this.pki = pki;
    this.state = state;
    this.log = log;
  }

  /** Second octet of this cluster's pod network, 127.<podNetwork>.0.0/16 (for extra fake nodes). */
  get podNetwork(): number {
    return this.state.podNet;
  }

  get server(): string {
    return `https://127.0.0.1:${this.state.ports.apiserver}`;
  }

  get binDir(): string {
    return this.state.binDir;
  }

  get api(): LocalApi {
    return new LocalApi(this.server, this.pki);
  }

  /** Starts (or resumes) the cluster in `dir` and returns when it is usable. */
  static async start(options: StartOptions): Promise<LocalCluster> {
    const log = options.log ?? (() => undefined);
    await mkdir(join(options.dir, 'logs'), { recursive: true });
    const previous = await readState(options.dir);
    if (previous && (await anyRunning(options.dir, previous))) {
      throw new Error(
        `a local control plane is already running in ${options.dir}; stop it with "npm run cluster:down"`,
      );
    }
    const pki = await ensurePki(join(options.dir, 'pki'));
    const ports: Ports = previous?.ports ?? {
      etcdClient: await freePort(),
      etcdPeer: await freePort(),
      apiserver: await freePort(),
      controllerManager: await freePort(),
      scheduler: await freePort(),
      kwok: await freePort(),
    };
    const podNet = previous?.podNet ?? 2 + Math.floor(Math.random() * 250);
    const cluster = new LocalCluster(
      options.dir,
      pki,
      { binDir: options.binDir, ports, pids: {}, podNet },
      log,
    );
    await cluster.writeKubeconfig();
    await cluster.saveState();
    if (options.ownerPid !== undefined)
      await cluster.startGuard(options.ownerPid, options.ephemeral ?? false);
    try {
      const begin = Date.now();
      await cluster.startComponent('etcd');
      await cluster.startComponent('kube-apiserver');
      await Promise.all([
        cluster.startComponent('kube-controller-manager'),
        cluster.startComponent('kube-scheduler'),
        cluster.startComponent('kwok'),
      ]);
      await cluster.applyManifests(['nodes.yaml']);
      // KubeVirt's own CRDs, generated from its Go module by build.sh: VMs are validated as on KubeVirt.
      await installCrds(cluster.kubeconfigPath, options.binDir, await kubevirtCrdsPath(options.binDir));
      await cluster.waitUntilUsable();
      log(`local control plane ready in ${((Date.now() - begin) / 1000).toFixed(1)}s at ${cluster.server}`);
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  /** Attaches to a running cluster (for `cluster:down` and `status`). */
  static async attach(dir: string): Promise<LocalCluster | undefined> {
    const state = await readState(dir);
    if (!state) return undefined;
    return new LocalCluster(
      dir,
      (await import('./pki.ts')).pkiPaths(join(dir, 'pki')),
      state,
      () => undefined,
    );
  }

  private args(name: ComponentName): string[] {
    const { ports } = this.state;
    const p = this.pki;
    const kubeconfig = this.kubeconfigPath;
    const etcd = `http://127.0.0.1:${ports.etcdClient}`;
    // The controller-manager and the scheduler: API clients that serve their own health on loopback.
    const clientOf = (port: number, certDir: string) => [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${port}`,
      `--cert-dir=${join(this.dir, 'pki', certDir)}`,
      '--leader-elect=false',
    ];
    switch (name) {
      case 'etcd': {
        const peer = `http://127.0.0.1:${ports.etcdPeer}`;
        return [
          '--name=daas-local',
          `--data-dir=${join(this.dir, 'etcd')}`,
          `--listen-client-urls=${etcd}`,
          `--advertise-client-urls=${etcd}`,
          `--listen-peer-urls=${peer}`,
          `--initial-advertise-peer-urls=${peer}`,
          `--initial-cluster=daas-local=${peer}`,
          '--initial-cluster-state=new',
          // A test cluster: durability across power loss is not worth the fsync latency.
          '--unsafe-no-fsync',
          '--quota-backend-bytes=4294967296',
          '--log-level=warn',
        ];
      }
      case 'kube-apiserver':
        return [
          `--etcd-servers=${etcd}`,
          '--bind-address=127.0.0.1',
          '--advertise-address=127.0.0.1',
          `--secure-port=${ports.apiserver}`,
          `--cert-dir=${join(this.dir, 'pki')}`,
          `--tls-cert-file=${p.serverCert}`,
          `--tls-private-key-file=${p.serverKey}`,
          `--client-ca-file=${p.caCert}`,
          '--authorization-mode=RBAC',
          // A /16 (65,534 ClusterIPs): room for the benchmarks' thousands of objects; never routed here.
          '--service-cluster-ip-range=10.0.0.0/16',
          '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
          `--service-account-key-file=${p.serviceAccountPub}`,
          `--service-account-signing-key-file=${p.serviceAccountKey}`,
          // The kubernetes Service would point at 127.0.0.1, which Endpoints reject: keep it empty.
          '--endpoint-reconciler-type=none',
          '--allow-privileged=true',
          '--enable-priority-and-fairness=true',
          // MutatingAdmissionPolicy (beta, off by default in 1.34): stamps a session's groups (crds/group-stamping.ts).
          '--feature-gates=MutatingAdmissionPolicy=true',
          '--runtime-config=admissionregistration.k8s.io/v1beta1=true',
          '--v=0',
        ];
      case 'kube-controller-manager':
        return [
          ...clientOf(ports.controllerManager, 'kcm'),
          `--service-account-private-key-file=${p.serviceAccountKey}`,
          `--root-ca-file=${p.caCert}`,
          `--cluster-signing-cert-file=${p.caCert}`,
          `--cluster-signing-key-file=${p.caKey}`,
          '--use-service-account-credentials=false',
          // Binding a pre-bound claim races between the binder's own claim and volume workers; the
          // loser retries on this period (15 s by default). Sessions wait for their data claims.
          '--pvclaimbinder-sync-period=2s',
          // Nodes get their podCIDRs from us (loopback ranges), never from the IPAM controller.
          '--allocate-node-cidrs=false',
          // Endpoints of loopback pod IPs are invalid: without these controllers nothing retries
          // (and logs) them forever. Connect to pod IPs instead.
          '--controllers=*,-nodeipam,-cloud-node-lifecycle,-service-lb-controller,-route,-endpoint,-endpointslice,-endpointslicemirroring',
          // One replica has no one to elect, and client-go exits when it cannot renew: with election on,
          // an API server outage past 10 s would kill it for good (no kubelet here restarts it).
          '--leader-elect=false',
          '--v=0',
        ];
      case 'kube-scheduler':
        // As for the controller manager: no election, so it survives an API server outage.
        return [...clientOf(ports.scheduler, 'scheduler'), '--leader-elect=false', '--v=0'];
      case 'kwok':
        return [
          `--kubeconfig=${kubeconfig}`,
          `--config=${join(manifestsDir, 'kwok-stages.yaml')}`,
          '--manage-all-nodes=false',
          '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
          // Fallbacks only: nodes carry their own loopback podCIDRs. Nothing here may leave 127/8.
          '--cidr=127.0.100.0/24',
          '--node-ip=127.0.0.1',
          `--server-address=127.0.0.1:${ports.kwok}`,
          '--node-lease-duration-seconds=40',
        ];
    }
  }

  /** Starts one component and waits until it is healthy. Used by start() and by restart tests. */
  async startComponent(name: ComponentName): Promise<void> {
    const bin = join(this.state.binDir, name);
    const started = startDetached(bin, this.args(name), join(this.dir, 'logs', `${name}.log`));
    this.watchers.set(name, started);
    this.state.pids[name] = started.pid;
    await this.saveState();
    const healthy = this.waitHealthy(name);
    const died = started.exited.then(async (code) => {
      throw new Error(
        `${name} exited with code ${String(code)} while starting:\n${await this.tailLog(name)}`,
      );
    });
    await Promise.race([healthy, died]);
    void died.catch(() => undefined);
  }

  /** Stops one component (SIGTERM, then SIGKILL after a grace period). */
  async stopComponent(name: ComponentName): Promise<void> {
    const pid = this.state.pids[name];
    if (pid === undefined) return;
    await stopProcess(pid, this.dir);
    this.watchers.delete(name);
    this.state.pids = Object.fromEntries(Object.entries(this.state.pids).filter(([k]) => k !== name));
    await this.saveState();
  }

  /**
   * What kubelets would have done during an outage of the API server (or of etcd) that lasted
   * `downMs`: on a real cluster kube-scheduler and kube-controller-manager run with leader election,
   * exit once they cannot renew their Lease for the renew deadline (10 s), and are restarted by their
   * kubelet; the new processes wait in the election loop (retrying every 2 s) and list everything
   * afresh the moment the API server answers. Here they run without election (nothing would restart
   * them), so they survive the outage instead, with client-go's watch back-off grown to 30 s (plus up
   * to 100 % jitter): after a 60 s outage the scheduler bound new pods only 56 s after the return.
   * Restarting them once the API server is back (it takes about as long as the election's retry)
   * matches a real cluster; shorter outages need nothing, as on a real cluster.
   */
  async recoverFromOutage(downMs: number): Promise<void> {
    if (downMs <= ELECTED_RENEW_DEADLINE_MS) return;
    for (const name of ['kube-scheduler', 'kube-controller-manager'] as const) {
      await this.stopComponent(name);
      await this.startComponent(name);
    }
  }

  /**
   * Records a process started by the caller whose command line names this cluster's directory (for
   * instance through --kubeconfig), so stop() and the guard end it with the cluster.
   */
  async adopt(name: string, pid: number): Promise<void> {
    this.state.pids[`adopted:${name}`] = pid;
    await this.saveState();
  }

  /** Stops adopted processes, the guard, then every component, newest first. */
  async stop(): Promise<void> {
    const adopted = Object.entries(this.state.pids).filter(([k]) => k.startsWith('adopted:'));
    await Promise.all(adopted.map(([, pid]) => stopProcess(pid ?? 0, this.dir)));
    const guard = this.state.pids.guard;
    if (guard !== undefined) await stopProcess(guard, this.dir, 1000);
    this.state.pids = Object.fromEntries(
      Object.entries(this.state.pids).filter(([k]) => k !== 'guard' && !k.startsWith('adopted:')),
    );
    for (const name of [...componentNames].reverse()) await this.stopComponent(name);
  }

  /** Names of components whose recorded process is alive and still ours. */
  async running(): Promise<ComponentName[]> {
    const alive: ComponentName[] = [];
    for (const name of componentNames) {
      const pid = this.state.pids[name];
      if (pid !== undefined && isAlive(pid) && (await isOurs(pid, this.dir))) alive.push(name);
    }
    return alive;
  }

  private async startGuard(ownerPid: number, ephemeral: boolean): Promise<void> {
    const started = startDetached(
      'bash',
      [join(here, 'guard.sh'), String(ownerPid), this.dir, ephemeral ? 'ephemeral' : 'keep'],
      join(this.dir, 'logs', 'guard.log'),
    );
    this.state.pids.guard = started.pid;
    await this.saveState();
  }

  private async waitHealthy(name: ComponentName): Promise<void> {
    const { ports } = this.state;
    const api = this.api;
    const deadline = Date.now() + 120_000;
    const probe = async (): Promise<boolean> => {
      switch (name) {
        case 'etcd':
          return (await plainGet(`http://127.0.0.1:${ports.etcdClient}/health`)).includes('"health":"true"');
        case 'kube-apiserver':
          return (await api.get('/readyz').catch(() => undefined))?.status === 200;
        case 'kube-controller-manager':
          return (await insecureHealth(ports.controllerManager)) === 'ok';
        case 'kube-scheduler':
          return (await insecureHealth(ports.scheduler)) === 'ok';
        case 'kwok':
          return (await plainGet(`http://127.0.0.1:${ports.kwok}/healthz`)) === 'ok';
      }
    };
    while (Date.now() < deadline) {
      if (await probe().catch(() => false)) return;
      await sleep(100);
    }
    throw new Error(`${name} did not become healthy within 120s:\n${await this.tailLog(name)}`);
  }

  /** Server-side applies every object of the given files under manifests/. */
  async applyManifests(files: string[]): Promise<void> {
    for (const file of files) {
      const docs = parseAllDocuments(await readFile(join(manifestsDir, file), 'utf8'));
      for (const doc of docs) {
        const obj = doc.toJSON() as KubeObject | null;
        if (obj) await this.api.apply(this.localize(obj));
      }
    }
  }

  /** Moves the manifests' node podCIDRs (127.1.x.0/24) into this cluster's own 127.<podNet> range. */
  private localize(obj: KubeObject): KubeObject {
    if (obj.kind !== 'Node') return obj;
    const move = (cidr: string) => cidr.replace(/^127\.1\./, `127.${String(this.state.podNet)}.`);
    const node = obj as KubeObject & { spec?: { podCIDR?: string; podCIDRs?: string[] } };
    const spec = node.spec ?? {};
    const moved: typeof node = {
      ...node,
      spec: { ...spec, podCIDR: spec.podCIDR && move(spec.podCIDR), podCIDRs: spec.podCIDRs?.map(move) },
    };
    return moved;
  }

  private async waitUntilUsable(): Promise<void> {
    const api = this.api;
    const deadline = Date.now() + 120_000;
    const nodeNames = await manifestNames('nodes.yaml');
    for (;;) {
      const problems: string[] = [];
      const nodes = (await api.getJson('/api/v1/nodes')) as { items: NodeLike[] };
      for (const n of nodeNames) {
        const node = nodes.items.find((x) => x.metadata.name === n);
        const ready = node?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
        if (!ready) problems.push(`node ${n} not Ready`);
      }
      const sa = await api.get('/api/v1/namespaces/default/serviceaccounts/default');
      if (sa.status !== 200) problems.push('default ServiceAccount not yet created');
      if (problems.length === 0) return;
      if (Date.now() > deadline) throw new Error(`control plane not usable: ${problems.join('; ')}`);
      await sleep(200);
    }
  }

  private async tailLog(name: string): Promise<string> {
    try {
      const text = await readFile(join(this.dir, 'logs', `${name}.log`), 'utf8');
      return text.split('\n').slice(-30).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** Components start in parallel: writes are chained and atomic so a reader never sees half a file. */
  private saveState(): Promise<void> {
    const write = async () => {
      await writeAtomic(join(this.dir, 'state.json'), JSON.stringify(this.state, null, 2));
      // One pid per line for guard.sh, which has no JSON parser.
      await writeAtomic(join(this.dir, 'pids'), Object.values(this.state.pids).join('\n') + '\n');
    };
    this.saving = this.saving.then(write, write);
    return this.saving;
  }

  private async writeKubeconfig(): Promise<void> {
    const b64 = async (path: string) => (await readFile(path)).toString('base64');
    const text = [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '  - name: daas-local',
      '    cluster:',
      `      server: ${this.server}`,
      `      certificate-authority-data: ${await b64(this.pki.caCert)}`,
      'users:',
      '  - name: daas-admin',
      '    user:',
      `      client-certificate-data: ${await b64(this.pki.adminCert)}`,
      `      client-key-data: ${await b64(this.pki.adminKey)}`,
      'contexts:',
      '  - name: daas-local',
      '    context: { cluster: daas-local, user: daas-admin }',
      'current-context: daas-local',
      '',
    ].join('\n');
    const handle = await open(this.kubeconfigPath, 'w', 0o600);
    await handle.writeFile(text);
    await handle.close();
  }
}

interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
}

interface NodeLike {
  metadata: { name: string };
  status?: { conditions?: { type: string; status: string }[] };
}

async function manifestNames(file: string): Promise<string[]> {
  const docs = parseAllDocuments(await readFile(join(manifestsDir, file), 'utf8'));
  return docs.map((d) => (d.toJSON() as KubeObject).metadata.name);
}

async function anyRunning(dir: string, state: State): Promise<boolean> {
  for (const pid of Object.values(state.pids)) {
    if (pid !== undefined && isAlive(pid) && (await isOurs(pid, dir))) return true;
  }
  return false;
}

async function plainGet(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  return res.text();
}

/** Health of a component serving HTTPS with its own self-signed certificate, on loopback. */
async function insecureHealth(port: number): Promise<string> {
  return (await httpsRequest({ url: `https://127.0.0.1:${port}/healthz`, insecure: true })).body.trim();
}

export async function removeClusterDir(dir: string): Promise<void> {
  if (await fileExists(join(dir, 'state.json'))) await rm(dir, { recursive: true, force: true });
}
