// Owner references, so the garbage collector deletes what the operator created with its owner.
import { apiVersionOf, type KubeObject, type OwnerReference, type ResourceType } from './resources.ts';

export function controllerReference(type: ResourceType, owner: KubeObject): OwnerReference {
  const { name, uid } = owner.metadata;
  if (!name || !uid) throw new Error(`owner ${type.kind} needs a name and uid (use the object from the API)`);
  return {
    apiVersion: apiVersionOf(type),
    kind: type.kind,
    name,
    uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Returns `child` with `owner` as its controller; refuses to steal an object another owner controls. */
export function withControllerReference<T extends KubeObject>(
  child: T,
  type: ResourceType,
  owner: KubeObject,
): T {
  const ref = controllerReference(type, owner);
  const existing = child.metadata.ownerReferences ?? [];
  const other = existing.find((r) => r.controller === true && r.uid !== ref.uid);
  if (other)
    throw new Error(
      `${child.kind ?? 'object'} ${child.metadata.name ?? ''} is controlled by ${other.kind} ${other.name}`,
    );
  const refs = [...existing.filter((r) => r.uid !== ref.uid), ref];
  return { ...child, metadata: { ...child.metadata, ownerReferences: refs } };
}

export function controllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

export function isControlledBy(obj: KubeObject, owner: KubeObject): boolean {
  return controllerOf(obj)?.uid === owner.metadata.uid;
}
