// Writes: server-side apply with our field manager, merge patches, and the status writer.
// Content types are always explicit: client-node would otherwise send JSON Patch.
import { jsonEqual } from './equal.ts';
import { apiVersionOf, nameOf, objectPath, type KubeObject, type ResourceType } from './resources.ts';
import type { RestClient } from './rest.ts';

export const FIELD_MANAGER = 'daas-operator';
export const APPLY_PATCH = 'application/apply-patch+yaml';
export const MERGE_PATCH = 'application/merge-patch+json';

export interface ApplyOptions {
  /** Take ownership of fields another manager set (the default: the operator owns what it builds). */
  force?: boolean;
  subresource?: 'status';
  fieldManager?: string;
  dryRun?: boolean;
}

/** Server-side applies `desired` (a complete intent: fields left out are removed if we owned them). */
export async function apply<T extends KubeObject>(
  client: RestClient,
  type: ResourceType,
  desired: T,
  options: ApplyOptions = {},
): Promise<T> {
  const body = { ...desired, apiVersion: apiVersionOf(type), kind: type.kind };
  // JSON is YAML; apply-patch+yaml is the content type the API server expects for apply.
  return client.request<T>(
    'PATCH',
    objectPath(type, desired.metadata.namespace, nameOf(desired), options.subresource),
    {
      body: JSON.stringify(body),
      contentType: APPLY_PATCH,
      query: {
        fieldManager: options.fieldManager ?? FIELD_MANAGER,
        force: options.force ?? true,
        dryRun: options.dryRun ? 'All' : undefined,
      },
    },
  );
}

export async function mergePatch<T extends KubeObject>(
  client: RestClient,
  type: ResourceType,
  namespace: string | undefined,
  name: string,
  patch: unknown,
  subresource?: 'status',
): Promise<T> {
  return client.request<T>('PATCH', objectPath(type, namespace, name, subresource), {
    body: patch,
    contentType: MERGE_PATCH,
    query: { fieldManager: FIELD_MANAGER },
  });
}

export interface StatusWrite<T> {
  written: boolean;
  object: T;
}

/**
 * Replaces the status subresource with `status` unless it is already equal. The write carries the
 * cached resourceVersion, so a stale cache gets a 409 Conflict (requeue) instead of overwriting.
 */
export async function writeStatus<T extends KubeObject & { status?: unknown }>(
  client: RestClient,
  type: ResourceType,
  current: T,
  status: T['status'],
): Promise<StatusWrite<T>> {
  if (jsonEqual(current.status, status)) return { written: false, object: current };
  const body = { ...current, apiVersion: apiVersionOf(type), kind: type.kind, status };
  const object = await client.request<T>(
    'PUT',
    objectPath(type, current.metadata.namespace, nameOf(current), 'status'),
    {
      body,
      query: { fieldManager: FIELD_MANAGER },
    },
  );
  return { written: true, object };
}
