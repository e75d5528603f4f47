// Finalizers: the operator's cleanup hook before the API server deletes an object. Writes are merge
// patches that carry the resourceVersion, so a concurrent change to the list fails with 409 (requeue)
// instead of being lost.
import { mergePatch } from './apply.ts';
import { nameOf, type KubeObject, type ResourceType } from './resources.ts';
import type { RestClient } from './rest.ts';

export const hasFinalizer = (obj: KubeObject, finalizer: string): boolean =>
  obj.metadata.finalizers?.includes(finalizer) ?? false;

export const isBeingDeleted = (obj: KubeObject): boolean => obj.metadata.deletionTimestamp !== undefined;

export async function addFinalizer<T extends KubeObject>(
  client: RestClient,
  type: ResourceType,
  obj: T,
  finalizer: string,
): Promise<T> {
  if (hasFinalizer(obj, finalizer)) return obj;
  return setFinalizers(client, type, obj, [...(obj.metadata.finalizers ?? []), finalizer]);
}

export async function removeFinalizer<T extends KubeObject>(
  client: RestClient,
  type: ResourceType,
  obj: T,
  finalizer: string,
): Promise<T> {
  if (!hasFinalizer(obj, finalizer)) return obj;
  return setFinalizers(
    client,
    type,
    obj,
    (obj.metadata.finalizers ?? []).filter((f) => f !== finalizer),
  );
}

async function setFinalizers<T extends KubeObject>(
  client: RestClient,
  type: ResourceType,
  obj: T,
  finalizers: string[],
): Promise<T> {
  const patch = { metadata: { finalizers, resourceVersion: obj.metadata.resourceVersion } };
  return mergePatch<T>(client, type, obj.metadata.namespace, nameOf(obj), patch);
}
