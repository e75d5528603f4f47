import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import type * as https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { fromFile, loadClusterAccess } from './kubeconfig.ts';

const dir = mkdtempSync(join(tmpdir(), 'daas-kubeconfig-'));
const b64 = (s: string) => Buffer.from(s).toString('base64');

function kubeconfig(name: string, user: Record<string, unknown>, cluster: Record<string, unknown> = {}) {
  const path = join(dir, name);
  writeFileSync(
    path,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'here',
      contexts: [
        { name: 'elsewhere', context: { cluster: 'other', user: 'nobody' } },
        { name: 'here', context: { cluster: 'local', user: 'me' } },
      ],
      clusters: [{ name: 'local', cluster: { server: 'https://127.0.0.1:6443', ...cluster } }],
      users: [{ name: 'me', user }],
    }),
  );
  return path;
}

async function applied(path: string) {
  const opts: https.RequestOptions = {};
  await fromFile(path).applyToHTTPSOptions(opts);
  return { ...opts, headers: opts.headers as Record<string, string> };
}

describe('kubeconfig', () => {
  it('uses the current context: its server, CA and client certificate from inline data', async () => {
    const path = kubeconfig(
      'certs',
      { 'client-certificate-data': b64('CERT'), 'client-key-data': b64('KEY') },
      { 'certificate-authority-data': b64('CA') },
    );
    expect(fromFile(path).getCurrentCluster()).toEqual({ server: 'https://127.0.0.1:6443' });
    const opts = await applied(path);
    expect(String(opts.ca)).toBe('CA');
    expect(String(opts.cert)).toBe('CERT');
    expect(opts.key).toEqual(Buffer.from('KEY'));
    expect(opts.headers.Authorization).toBeUndefined();
  });

  it('reads certificate files relative to the kubeconfig, and honours insecure-skip-tls-verify', async () => {
    writeFileSync(join(dir, 'ca.crt'), 'CA-FILE');
    const path = kubeconfig(
      'files',
      { token: 'abc' },
      { 'certificate-authority': 'ca.crt', 'insecure-skip-tls-verify': true },
    );
    const opts = await applied(path);
    expect(String(opts.ca)).toBe('CA-FILE');
    expect(opts.rejectUnauthorized).toBe(false);
    expect(opts.headers.Authorization).toBe('Bearer abc');
  });

  it('reads a token file (as a projected service account token is)', async () => {
    writeFileSync(join(dir, 'token'), 'from-file\n');
    const opts = await applied(kubeconfig('token-file', { tokenFile: 'token' }));
    expect(opts.headers.Authorization).toBe('Bearer from-file');
  });

  it('runs an exec credential plugin with the ExecCredential request, and keeps its token until it expires', async () => {
    const script = join(dir, 'plugin.mjs');
    writeFileSync(
      script,
      `const info = JSON.parse(process.env.KUBERNETES_EXEC_INFO);
       console.log(JSON.stringify({ apiVersion: info.apiVersion, kind: 'ExecCredential',
         status: { token: process.env.GREETING + '-' + info.spec.interactive,
                   expirationTimestamp: new Date(Date.now() + 3600e3).toISOString() } }));`,
    );
    const path = kubeconfig('exec', {
      exec: {
        apiVersion: 'client.authentication.k8s.io/v1',
        command: process.execPath,
        args: [script],
        env: [{ name: 'GREETING', value: 'hello' }],
      },
    });
    const access = fromFile(path);
    const first: https.RequestOptions = {};
    await access.applyToHTTPSOptions(first);
    expect((first.headers as Record<string, string>).Authorization).toBe('Bearer hello-false');
    writeFileSync(script, 'process.exit(3)'); // a second run would now fail: the cached token is used
    const second: https.RequestOptions = {};
    await access.applyToHTTPSOptions(second);
    expect((second.headers as Record<string, string>).Authorization).toBe('Bearer hello-false');
  });

  it('names the file and the field when something is missing or unsupported', () => {
    const noContext = join(dir, 'no-context');
    writeFileSync(noContext, stringify({ clusters: [], users: [], contexts: [] }));
    expect(() => fromFile(noContext)).toThrow(`kubeconfig ${noContext}: current-context is not set`);
    expect(() => fromFile(kubeconfig('proxy', {}, { 'proxy-url': 'http://127.0.0.1:3128' }))).toThrow(
      /cluster local: proxy-url is not supported/,
    );
    expect(() => fromFile(kubeconfig('gcp', { 'auth-provider': { name: 'gcp' } }))).toThrow(
      /user me: auth-provider plugins are not supported; use an exec plugin/,
    );
    const bad = join(dir, 'missing-user');
    writeFileSync(
      bad,
      stringify({
        'current-context': 'x',
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'ghost' } }],
        clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:1' } }],
      }),
    );
    expect(() => fromFile(bad)).toThrow(`kubeconfig ${bad}: no user named "ghost"`);
  });

  it('finds the kubeconfig as client-go does: the flag, $KUBECONFIG, ~/.kube/config, then the pod', async () => {
    const path = kubeconfig('env', { token: 't' });
    expect(loadClusterAccess(undefined, { KUBECONFIG: `${path}:/nowhere` }).server).toBe(
      'https://127.0.0.1:6443',
    );
    const sa = join(dir, 'serviceaccount');
    mkdirSync(sa, { recursive: true });
    writeFileSync(join(sa, 'ca.crt'), 'SA-CA');
    writeFileSync(join(sa, 'token'), 'sa-token');
    const pod = loadClusterAccess(
      undefined,
      { HOME: join(dir, 'no-home'), KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' },
      sa,
    );
    expect(pod.server).toBe('https://10.96.0.1:443');
    const opts: https.RequestOptions = {};
    await pod.applyToHTTPSOptions(opts);
    expect(String(opts.ca)).toBe('SA-CA');
    expect((opts.headers as Record<string, string>).Authorization).toBe('Bearer sa-token');
    expect(() => loadClusterAccess(undefined, { HOME: join(dir, 'no-home') })).toThrow(/no kubeconfig/);
  });
});
