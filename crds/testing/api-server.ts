// Integration-test helpers for the API: install the CRDs (idempotently: test files run in parallel
// against one cluster), create objects, and read the API server's refusal message.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ApiException, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, inject } from 'vitest';
import { createTestNamespace } from '../../testing/kube.ts';
import { ensureBinaries } from '../../tools/controlplane/binaries.ts';
import { installCrds as installCrdsWith } from '../../tools/controlplane/crds.ts';
import { API_VERSION, GROUP, VERSION } from '../group.ts';
import { KINDS } from '../kinds.ts';
import { PROPOSAL_LABEL } from '../labels.ts';

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

/** The committed CRDs installed on the test cluster, Established and served (the launcher's helper). */
/** `kubectl auth can-i` as a user (and groups): true or false, never an error for "no". */
export async function canI(
  user: string,
  verb: string,
  resource: string,
  namespace?: string,
  groups: string[] = [],
) {
  const args = ['auth', 'can-i', verb, resource, `--as=${user}`, ...groups.map((g) => `--as-group=${g}`)];
  if (namespace) args.push('-n', namespace);
  const answer = await kubectl(...args).catch((err: unknown) => (err as { stdout?: string }).stdout ?? '');
  return answer.trim() === 'yes';
}

export async function installCrds(): Promise<void> {
  await installCrdsWith(inject('kubeconfig'), await ensureBinaries());
}

/**
 * For a test file: installs the CRDs before its tests and gives them a proposal namespace (proposal
 * MX-2451) named `<prefix>-<random>`, removed after them. `name` is set once the tests run.
 */
export function useProposalNamespace(kc: KubeConfig, prefix: string): { readonly name: string } {
  const current = { name: '', remove: (): Promise<void> => Promise.resolve() };
  beforeAll(async () => {
    await installCrds();
    Object.assign(current, await createTestNamespace(kc, prefix, { [PROPOSAL_LABEL]: 'MX-2451' }));
  });
  afterAll(() => current.remove());
  return current;
}

export interface TypedObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [key: string]: unknown };
  spec?: unknown;
  [key: string]: unknown;
}

/** A minimal valid AnalysisSession of proposal MX-2451 owned by akowalska, with `spec` merged in. */
export function testSession(
  namespace: string,
  name: string,
  spec: Record<string, unknown> = {},
): TypedObject {
  return {
    apiVersion: API_VERSION,
    kind: 'AnalysisSession',
    metadata: { name, namespace },
    spec: { image: 'jupyter-scipy', owner: 'akowalska', proposal: 'MX-2451', ...spec },
  };
}

function pluralOf(kind: string): string {
  const definition = KINDS.find((k) => k.kind === kind);
  if (!definition) throw new Error(`unknown kind ${kind}`);
  return definition.plural;
}

/** Calls the namespaced or the cluster-scoped form of a CustomObjectsApi method, as `body` needs. */
function scoped<P extends { group: string }>(
  body: TypedObject,
  params: P,
  namespaced: (p: P & { namespace: string }) => Promise<unknown>,
  cluster: (p: P) => Promise<unknown>,
): Promise<unknown> {
  const namespace = body.metadata.namespace;
  return namespace ? namespaced({ ...params, namespace }) : cluster(params);
}

function kindOf(body: TypedObject) {
  return { group: GROUP, version: VERSION, plural: pluralOf(body.kind) };
}

/** Creates a custom object; `Strict` field validation refuses unknown fields instead of pruning them. */
export async function createObject(
  kc: KubeConfig,
  body: TypedObject,
  fieldValidation: 'Strict' | 'Ignore' = 'Ignore',
  dryRun?: 'All',
): Promise<TypedObject> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const created = await scoped(
    body,
    { ...kindOf(body), body, fieldValidation, dryRun },
    (p) => custom.createNamespacedCustomObject(p),
    (p) => custom.createClusterCustomObject(p),
  );
  return created as TypedObject;
}

export async function replaceObject(kc: KubeConfig, body: TypedObject): Promise<TypedObject> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const replaced = await scoped(
    body,
    { ...kindOf(body), name: body.metadata.name, body },
    (p) => custom.replaceNamespacedCustomObject(p),
    (p) => custom.replaceClusterCustomObject(p),
  );
  return replaced as TypedObject;
}

export async function deleteObject(kc: KubeConfig, body: TypedObject): Promise<void> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  await scoped(
    body,
    { ...kindOf(body), name: body.metadata.name },
    (p) => custom.deleteNamespacedCustomObject(p),
    (p) => custom.deleteClusterCustomObject(p),
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
