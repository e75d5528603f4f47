// How the runtime reaches the API server: a kubeconfig file (certificates, tokens, token files, exec
// credential plugins) or the in-cluster service account. Our own small loader, because importing
// @kubernetes/client-node for its KubeConfig loads the whole generated API (about 75 MiB of resident
// memory for code the operator never runs; see docs/performance.md). Anything with the same two
// methods (client-node's KubeConfig included, which tests use) serves RestClient as well.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type * as https from 'node:https';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';

/** What RestClient needs from a kubeconfig (client-node's KubeConfig has both too). */
export interface ClusterAccess {
  getCurrentCluster(): { server: string; proxyUrl?: string } | null;
  /** Adds TLS material and the Authorization header to `opts`. */
  applyToHTTPSOptions(opts: https.RequestOptions): Promise<void>;
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** Bound service account tokens rotate: read the file again at most this often (client-go: 1 min). */
const TOKEN_FILE_REREAD_MS = 60_000;

interface ExecConfig {
  command: string;
  args?: string[];
  env?: { name: string; value: string }[] | null;
  apiVersion?: string;
}

interface Credentials {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  token?: string;
  tokenFile?: string;
  exec?: ExecConfig;
  username?: string;
  password?: string;
  insecure: boolean;
  tlsServerName?: string;
}

interface Named<T> {
  name: string;
  cluster?: T;
  user?: T;
  context?: T;
}

type Raw = Record<string, unknown>;

/** A kubeconfig that cannot be used; the message names the file and the field. */
export class KubeconfigError extends Error {}

/** A cluster and the credentials to reach it. */
export class KubeAccess implements ClusterAccess {
  readonly server: string;
  private readonly creds: Credentials;
  private fileToken: { value: string; readAt: number } | undefined;
  private execToken: { token?: string; cert?: Buffer; key?: Buffer; expiresAt: number } | undefined;
  private execRunning: Promise<void> | undefined;

  constructor(server: string, creds: Credentials) {
    if (!/^https?:\/\//.test(server))
      throw new KubeconfigError(`the cluster's server ${server} is not an http(s) URL`);
    this.server = server;
    this.creds = creds;
  }

  getCurrentCluster(): { server: string } {
    return { server: this.server };
  }

  async applyToHTTPSOptions(opts: https.RequestOptions): Promise<void> {
    const c = this.creds;
    if (c.ca) opts.ca = c.ca;
    if (c.insecure) opts.rejectUnauthorized = false;
    if (c.tlsServerName) opts.servername = c.tlsServerName;
    if (c.cert && c.key) {
      opts.cert = c.cert;
      opts.key = c.key;
    }
    const headers = (opts.headers ?? {}) as Record<string, string>;
    opts.headers = headers;
    const token = c.token ?? (c.tokenFile ? this.readTokenFile(c.tokenFile) : undefined);
    if (token) headers.Authorization = `Bearer ${token}`;
    else if (c.username !== undefined && c.password !== undefined)
      headers.Authorization = `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
    if (c.exec) {
      const got = await this.runExec(c.exec);
      if (got.token) headers.Authorization = `Bearer ${got.token}`;
      if (got.cert && got.key) {
        opts.cert = got.cert;
        opts.key = got.key;
      }
    }
  }

  private readTokenFile(path: string): string {
    const now = performance.now();
    if (!this.fileToken || now - this.fileToken.readAt > TOKEN_FILE_REREAD_MS)
      this.fileToken = { value: readFileSync(path, 'utf8').trim(), readAt: now };
    return this.fileToken.value;
  }

  /** Runs the credential plugin when it has given nothing yet or what it gave has expired. */
  private async runExec(exec: ExecConfig): Promise<{ token?: string; cert?: Buffer; key?: Buffer }> {
    if (this.execToken && Date.now() < this.execToken.expiresAt) return this.execToken;
    this.execRunning ??= execCredential(exec)
      .then((got) => {
        this.execToken = got;
      })
      .finally(() => {
        this.execRunning = undefined;
      });
    await this.execRunning;
    return this.execToken ?? {};
  }
}

/** Runs an exec credential plugin (client.authentication.k8s.io ExecCredential) and reads its answer. */
async function execCredential(
  exec: ExecConfig,
): Promise<{ token?: string; cert?: Buffer; key?: Buffer; expiresAt: number }> {
  const env = { ...process.env };
  for (const { name, value } of exec.env ?? []) env[name] = value;
  env.KUBERNETES_EXEC_INFO = JSON.stringify({
    apiVersion: exec.apiVersion ?? 'client.authentication.k8s.io/v1',
    kind: 'ExecCredential',
    spec: { interactive: false },
  });
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(exec.command, exec.args ?? [], { env, timeout: 60_000, maxBuffer: 1 << 20 }, (err, out) => {
      if (err)
        reject(new Error(`the kubeconfig's exec credential plugin ${exec.command} failed: ${err.message}`));
      else resolve(out);
    });
  });
  let status: {
    token?: string;
    clientCertificateData?: string;
    clientKeyData?: string;
    expirationTimestamp?: string;
  };
  try {
    status = (JSON.parse(stdout) as { status?: typeof status }).status ?? {};
  } catch {
    throw new Error(
      `the kubeconfig's exec credential plugin ${exec.command} did not print an ExecCredential`,
    );
  }
  const expiresAt = status.expirationTimestamp ? Date.parse(status.expirationTimestamp) - 10_000 : Infinity;
  return {
    ...(status.token ? { token: status.token } : {}),
    ...(status.clientCertificateData ? { cert: Buffer.from(status.clientCertificateData) } : {}),
    ...(status.clientKeyData ? { key: Buffer.from(status.clientKeyData) } : {}),
    expiresAt,
  };
}

/**
 * Loads `path`, or else the first file of $KUBECONFIG, ~/.kube/config, or the in-cluster service
 * account (as client-go does). Throws with the file and the field at fault.
 */
export function loadClusterAccess(
  path?: string,
  env: NodeJS.ProcessEnv = process.env,
  serviceAccountDir = SERVICE_ACCOUNT_DIR,
): KubeAccess {
  if (path) return fromFile(path);
  const fromEnv = env.KUBECONFIG?.split(':').find(Boolean);
  if (fromEnv) return fromFile(fromEnv);
  const home = join(env.HOME ?? homedir(), '.kube', 'config');
  if (existsSync(home)) return fromFile(home);
  if (env.KUBERNETES_SERVICE_HOST) return inCluster(env, serviceAccountDir);
  throw new KubeconfigError(
    'no kubeconfig: set --kubeconfig or KUBECONFIG, or run in a pod with a service account',
  );
}

function inCluster(env: NodeJS.ProcessEnv, dir: string): KubeAccess {
  const host = env.KUBERNETES_SERVICE_HOST ?? '';
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  return new KubeAccess(`https://${host.includes(':') ? `[${host}]` : host}:${port}`, {
    ca: readFileSync(join(dir, 'ca.crt')),
    tokenFile: join(dir, 'token'),
    insecure: false,
  });
}

/** Parses a kubeconfig file and picks its current context. */
export function fromFile(path: string): KubeAccess {
  let doc: Raw;
  try {
    doc = (parse(readFileSync(path, 'utf8')) ?? {}) as Raw;
  } catch (err) {
    throw new KubeconfigError(`kubeconfig ${path}: ${(err as Error).message}`);
  }
  const where = (field: string) => `kubeconfig ${path}: ${field}`;
  const current = doc['current-context'];
  if (typeof current !== 'string' || !current) throw new KubeconfigError(where('current-context is not set'));
  const context = pick(doc.contexts, current, 'context', where);
  const cluster = pick(doc.clusters, str(context.cluster), 'cluster', where);
  const user = context.user === undefined ? {} : pick(doc.users, str(context.user), 'user', where);
  if (cluster['proxy-url'])
    throw new KubeconfigError(where(`cluster ${str(context.cluster)}: proxy-url is not supported`));
  const base = dirname(path);
  const file = (p: unknown) => readFileSync(isAbsolute(str(p)) ? str(p) : join(base, str(p)));
  const material = (data: unknown, filePath: unknown) =>
    typeof data === 'string'
      ? Buffer.from(data, 'base64')
      : typeof filePath === 'string'
        ? file(filePath)
        : undefined;
  const creds: Credentials = {
    insecure: cluster['insecure-skip-tls-verify'] === true,
  };
  const ca = material(cluster['certificate-authority-data'], cluster['certificate-authority']);
  if (ca) creds.ca = ca;
  if (typeof cluster['tls-server-name'] === 'string') creds.tlsServerName = cluster['tls-server-name'];
  const cert = material(user['client-certificate-data'], user['client-certificate']);
  const key = material(user['client-key-data'], user['client-key']);
  if (cert) creds.cert = cert;
  if (key) creds.key = key;
  if (typeof user.token === 'string') creds.token = user.token;
  if (typeof user.tokenFile === 'string')
    creds.tokenFile = isAbsolute(user.tokenFile) ? user.tokenFile : join(base, user.tokenFile);
  if (typeof user.username === 'string') creds.username = user.username;
  if (typeof user.password === 'string') creds.password = user.password;
  if (user.exec !== undefined) creds.exec = user.exec as ExecConfig;
  if (user['auth-provider'] !== undefined)
    throw new KubeconfigError(
      where(`user ${str(context.user)}: auth-provider plugins are not supported; use an exec plugin`),
    );
  return new KubeAccess(str(cluster.server), creds);
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** The `kind` (cluster, user, context) named `name` in a kubeconfig list. */
function pick(
  list: unknown,
  name: string,
  kind: 'cluster' | 'user' | 'context',
  where: (f: string) => string,
): Raw {
  const entry = (Array.isArray(list) ? (list as Named<Raw>[]) : []).find((e) => e.name === name);
  const value = entry?.[kind];
  if (!value) throw new KubeconfigError(where(`no ${kind} named ${JSON.stringify(name)}`));
  return value;
}
