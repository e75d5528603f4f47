// Helpers for integration tests: a client for the run's control plane and throw-away namespaces.
import { randomBytes } from 'node:crypto';
import { CoreV1Api, KubeConfig, type V1Namespace } from '@kubernetes/client-node';
import { inject } from 'vitest';
import { sleep } from '../runtime/time.ts';

export function testKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(inject('kubeconfig'));
  return kc;
}

/** Creates a namespace with a random suffix; delete it with the returned function. */
export async function createTestNamespace(
  kc: KubeConfig,
  prefix: string,
  labels: Record<string, string> = {},
  annotations?: Record<string, string>,
): Promise<{ name: string; remove: () => Promise<void> }> {
  const core = kc.makeApiClient(CoreV1Api);
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  const body: V1Namespace = {
    metadata: {
      name,
      labels: { 'daas.calipsoplus.eu/test': 'true', ...labels },
      ...(annotations ? { annotations } : {}),
    },
  };
  await core.createNamespace({ body });
  return {
    name,
    remove: async () => {
      await core.deleteNamespace({ name }).catch(() => undefined);
    },
  };
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const detail = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}${detail}`);
    }
    await sleep(intervalMs);
  }
}
