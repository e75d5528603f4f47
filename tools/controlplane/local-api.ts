// A minimal HTTPS client for the launcher, authenticated with the admin client certificate. The
// launcher needs only readiness probes and server-side apply, before any kubeconfig-based client runs.
import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import type { Pki } from './pki.ts';

export interface HttpsResponse {
  status: number;
  body: string;
}

export interface HttpsRequest {
  url: string;
  method?: string;
  body?: string;
  headers?: Record<string, string>;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** Loopback health endpoints of components that serve a self-signed certificate. */
  insecure?: boolean;
  timeoutMs?: number;
}

export function httpsRequest(r: HttpsRequest): Promise<HttpsResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      r.url,
      {
        method: r.method ?? 'GET',
        headers: r.headers,
        ca: r.ca,
        cert: r.cert,
        key: r.key,
        rejectUnauthorized: !r.insecure,
        timeout: r.timeoutMs ?? 5000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout: ${r.url}`)));
    req.on('error', reject);
    req.end(r.body);
  });
}

const resourcePaths: Record<string, string> = {
  'v1/Node': '/api/v1/nodes',
  'v1/Namespace': '/api/v1/namespaces',
  'apiextensions.k8s.io/v1/CustomResourceDefinition':
    '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
};

export class LocalApi {
  private readonly ca: Buffer;
  private readonly cert: Buffer;
  private readonly key: Buffer;
  readonly server: string;

  constructor(server: string, pki: Pki) {
    this.server = server;
    this.ca = readFileSync(pki.caCert);
    this.cert = readFileSync(pki.adminCert);
    this.key = readFileSync(pki.adminKey);
  }

  request(method: string, path: string, body?: string, contentType?: string): Promise<HttpsResponse> {
    return httpsRequest({
      url: this.server + path,
      method,
      body,
      headers: contentType ? { 'content-type': contentType } : {},
      ca: this.ca,
      cert: this.cert,
      key: this.key,
    });
  }

  get(path: string): Promise<HttpsResponse> {
    return this.request('GET', path);
  }

  async getJson(path: string): Promise<unknown> {
    const res = await this.get(path);
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${res.body}`);
    return JSON.parse(res.body);
  }

  /** Server-side apply of a cluster-scoped object of a kind the launcher knows. */
  async apply(obj: { apiVersion: string; kind: string; metadata: { name: string } }): Promise<void> {
    const base = resourcePaths[`${obj.apiVersion}/${obj.kind}`];
    if (!base) throw new Error(`the launcher cannot apply ${obj.apiVersion}/${obj.kind}`);
    const path = `${base}/${obj.metadata.name}?fieldManager=daas-local-control-plane&force=true`;
    const res = await this.request('PATCH', path, JSON.stringify(obj), 'application/apply-patch+yaml');
    if (res.status >= 300)
      throw new Error(`apply ${obj.kind}/${obj.metadata.name}: ${res.status} ${res.body}`);
  }
}
