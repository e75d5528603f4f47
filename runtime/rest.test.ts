import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from './errors.ts';
import { FencedWriteError, RestClient } from './rest.ts';

// A plain HTTP server on loopback stands in for the API server: only the client's own pacing is tested.
let server: Server;
let kubeConfig: KubeConfig;
let served = 0;
let answer = 200;

beforeAll(async () => {
  server = createServer((_req, res) => {
    served++;
    res.statusCode = answer;
    res.setHeader('Content-Type', 'application/json');
    // As priority and fairness answers a request it rejects.
    if (answer === 429) res.setHeader('Retry-After', '1');
    res.end('{"kind":"Namespace"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${String(port)}`, skipTLSVerify: true }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
});

afterAll(() => {
  server.close();
});

async function timeRequests(client: RestClient, n: number): Promise<number> {
  const started = performance.now();
  await Promise.all(Array.from({ length: n }, () => client.get('/api/v1/namespaces/x')));
  return performance.now() - started;
}

describe('RestClient pacing (a loopback HTTP server as the API server)', () => {
  it('sends the burst at once, then no faster than the QPS', async () => {
    const client = new RestClient(kubeConfig, { qps: 20, burst: 5 });
    served = 0;
    const ms = await timeRequests(client, 15);
    client.close();
    expect(served).toBe(15);
    // 10 requests beyond the burst at 20 per second: at least half a second.
    expect(ms).toBeGreaterThanOrEqual(450);
  });

  it('has no client-side limit without a QPS', async () => {
    const client = new RestClient(kubeConfig);
    const paced = new RestClient(kubeConfig, { qps: 10, burst: 1 });
    const free = await timeRequests(client, 20);
    const slow = await timeRequests(paced, 20);
    client.close();
    paced.close();
    expect(slow).toBeGreaterThanOrEqual(1800);
    expect(free).toBeLessThan(slow / 2);
  });
});

describe('RestClient around outages and leadership', () => {
  it('wakes waiters on the first success after failures, not on every success', async () => {
    const client = new RestClient(kubeConfig);
    let woken = 0;
    void client.recovered().then(() => woken++);
    await client.get('/api/v1/namespaces/x');
    await Promise.resolve();
    expect(woken).toBe(0); // nothing had failed
    answer = 503;
    await expect(client.get('/api/v1/namespaces/x')).rejects.toThrow();
    answer = 200;
    await client.get('/api/v1/namespaces/x');
    await new Promise((resolve) => setImmediate(resolve));
    expect(woken).toBe(1);
    client.close();
  });

  it('reads Retry-After from a 429', async () => {
    const client = new RestClient(kubeConfig);
    answer = 429;
    const err: unknown = await client.get('/api/v1/namespaces/x').catch((e: unknown) => e);
    answer = 200;
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).retryAfterMs).toBe(1000);
    client.close();
  });

  it('sends no write the fence refuses, and still reads', async () => {
    const client = new RestClient(kubeConfig);
    let leading = true;
    client.setWriteFence((_m, path) => path === '/lease' || leading);
    served = 0;
    await client.request('POST', '/api/v1/namespaces', { body: {} });
    leading = false;
    await expect(client.request('POST', '/api/v1/namespaces', { body: {} })).rejects.toThrow(
      FencedWriteError,
    );
    await client.request('PUT', '/lease', { body: {} });
    await client.get('/api/v1/namespaces/x');
    expect(served).toBe(3);
    client.close();
  });
});
