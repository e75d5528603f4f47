// Integration-test helpers for the API: install the CRDs (idempotently: test files run in parallel
// against one cluster), create objects, and read the API server's refusal message.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ApiException, ApiextensionsV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { inject } from 'vitest';
import { eventually } from '../../testing/kube.ts';
import { ensureBinaries } from '../../tools/controlplane/binaries.ts';
import { GROUP, KINDS, VERSION } from '../kinds.ts';

const repoRoot = join(import.meta.dirname, '../..');

/** Runs the control plane's kubectl against the test cluster, from the repository root. */
export async function kubectl(...args: string[]): Promise<string> {
  const bin = await ensureBinaries();
  const { stdout } = await promisify(execFile)(
    join(bin, 'kubectl'),
    ['--kubeconfig', inject('kubeconfig'), ...args],
    {
      cwd: repoRoot,
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  return stdout;
}

/**
 * Applies the committed CRDs the way admins do (`kubectl apply --server-side -f crds/`) and waits
 * until each one is Established. kubectl rather than client-node: the client's typed serializer
 * drops `x-kubernetes-*` keys from plain CRD objects.
 */
export async function installCrds(kc: KubeConfig): Promise<void> {
  const extensions = kc.makeApiClient(ApiextensionsV1Api);
  await kubectl(
    'apply',
    '--server-side',
    '--force-conflicts',
    '--field-manager=daas-api-tests',
    '-f',
    'crds/',
  );
  for (const kind of KINDS) {
    await eventually(`CRD ${kind.plural} Established`, async () => {
      const crd = await extensions.readCustomResourceDefinition({ name: `${kind.plural}.${GROUP}` });
      const established = crd.status?.conditions?.some(
        (c) => c.type === 'Established' && c.status === 'True',
      );
      return established ? true : undefined;
    });
  }
  // Discovery of a new group can lag Established by a moment: wait until the resources are served.
  const custom = kc.makeApiClient(CustomObjectsApi);
  for (const kind of KINDS) {
    await eventually(`${kind.plural} served`, () =>
      custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: kind.plural, limit: 1 }),
    );
  }
}

export interface TypedObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [key: string]: unknown };
  spec?: unknown;
  [key: string]: unknown;
}

function pluralOf(kind: string): string {
  const definition = KINDS.find((k) => k.kind === kind);
  if (!definition) throw new Error(`unknown kind ${kind}`);
  return definition.plural;
}

/** Creates a custom object; `Strict` field validation refuses unknown fields instead of pruning them. */
export async function createObject(
  kc: KubeConfig,
  body: TypedObject,
  fieldValidation: 'Strict' | 'Ignore' = 'Ignore',
  dryRun?: 'All',
): Promise<TypedObject> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const common = {
    group: GROUP,
    version: VERSION,
    plural: pluralOf(body.kind),
    body,
    fieldValidation,
    dryRun,
  };
  const namespace = body.metadata.namespace;
  const created: unknown = namespace
    ? await custom.createNamespacedCustomObject({ ...common, namespace })
    : await custom.createClusterCustomObject(common);
  return created as TypedObject;
}

export async function replaceObject(kc: KubeConfig, body: TypedObject): Promise<TypedObject> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const common = {
    group: GROUP,
    version: VERSION,
    plural: pluralOf(body.kind),
    name: body.metadata.name,
    body,
  };
  const namespace = body.metadata.namespace;
  const replaced: unknown = namespace
    ? await custom.replaceNamespacedCustomObject({ ...common, namespace })
    : await custom.replaceClusterCustomObject(common);
  return replaced as TypedObject;
}

export async function deleteObject(kc: KubeConfig, body: TypedObject): Promise<void> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const common = { group: GROUP, version: VERSION, plural: pluralOf(body.kind), name: body.metadata.name };
  const namespace = body.metadata.namespace;
  await (
    namespace
      ? custom.deleteNamespacedCustomObject({ ...common, namespace })
      : custom.deleteClusterCustomObject(common)
  ).catch(() => undefined);
}

/** The `message` of the Status the API server answered with, or the error text. */
export function apiServerMessage(error: unknown): string {
  if (error instanceof ApiException) {
    const body: unknown = typeof error.body === 'string' ? safeJson(error.body) : error.body;
    const message = (body as { message?: unknown } | undefined)?.message;
    return typeof message === 'string' ? message : String(error.body);
  }
  return error instanceof Error ? error.message : String(error);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text };
  }
}

/** Runs `request`, expects the API server to refuse it, and returns the refusal message. */
export async function refusal(request: Promise<unknown>): Promise<string> {
  try {
    await request;
  } catch (error) {
    return apiServerMessage(error);
  }
  throw new Error('the API server accepted an object that should have been refused');
}
