// Resource types and object shapes. The runtime works on plain JSON as the API server sends it, so
// timestamps are always RFC 3339 strings (client-node's typed models mix Date and string).
import type {
  EventsV1Event,
  V1ConfigMap,
  V1Lease,
  V1Namespace,
  V1NetworkPolicy,
  V1Node,
  V1PersistentVolume,
  V1PersistentVolumeClaim,
  V1Pod,
  V1Secret,
  V1Service,
} from '@kubernetes/client-node';

/** Only a type: the key of ResourceType's phantom object type. Nothing sets it at runtime. */
declare const objectType: unique symbol;

/**
 * A kind as the runtime addresses it. `T` is the shape of its objects: a phantom parameter (no value
 * carries it) that lets `manager.cache(Pods)` return a `Cache<Pod>` without a cast. A
 * `ResourceType<Pod>` is also a `ResourceType` (of KubeObject), so untyped helpers take any kind.
 */
export interface ResourceType<T extends KubeObject = KubeObject> {
  group: string;
  version: string;
  /** The resource name in URLs, e.g. `configmaps`. */
  plural: string;
  kind: string;
  namespaced: boolean;
  readonly [objectType]?: T;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface ObjectList<T extends KubeObject = KubeObject> {
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  items: T[];
}

/**
 * An object as the API server sends it, from a client-node model type: Date becomes string.
 * client-node's models say Date for times (Pod `status.startTime`, condition `lastTransitionTime`,
 * container `startedAt`, Lease `renewTime`, ...) because its typed API classes convert them; raw
 * JSON (our REST client, watch events) carries RFC 3339 strings, and so do these types.
 */
export type Wire<T> = T extends Date
  ? string
  : T extends readonly (infer U)[]
    ? Wire<U>[]
    : T extends object
      ? { [K in keyof T]: Wire<T[K]> }
      : T;

/** A built-in kind: our KubeObject metadata, and client-node's model for the rest (spec, status, data). */
export type BuiltinObject<Model> = KubeObject & Wire<Omit<Model, 'apiVersion' | 'kind' | 'metadata'>>;

export type ConfigMap = BuiltinObject<V1ConfigMap>;
export type Secret = BuiltinObject<V1Secret>;
export type Pod = BuiltinObject<V1Pod>;
export type Service = BuiltinObject<V1Service>;
export type Namespace = BuiltinObject<V1Namespace>;
export type Node = BuiltinObject<V1Node>;
export type PersistentVolume = BuiltinObject<V1PersistentVolume>;
export type PersistentVolumeClaim = BuiltinObject<V1PersistentVolumeClaim>;
export type Lease = BuiltinObject<V1Lease>;
export type Event = BuiltinObject<EventsV1Event>;
export type NetworkPolicy = BuiltinObject<V1NetworkPolicy>;

/** The addressing part of a ResourceType; annotate the constant with its object type. */
export const resourceType = (
  group: string,
  version: string,
  plural: string,
  kind: string,
  namespaced = true,
) => ({ group, version, plural, kind, namespaced }) satisfies ResourceType;

export const ConfigMaps: ResourceType<ConfigMap> = resourceType('', 'v1', 'configmaps', 'ConfigMap');
export const Secrets: ResourceType<Secret> = resourceType('', 'v1', 'secrets', 'Secret');
export const Pods: ResourceType<Pod> = resourceType('', 'v1', 'pods', 'Pod');
export const Services: ResourceType<Service> = resourceType('', 'v1', 'services', 'Service');
export const Namespaces: ResourceType<Namespace> = resourceType('', 'v1', 'namespaces', 'Namespace', false);
export const Nodes: ResourceType<Node> = resourceType('', 'v1', 'nodes', 'Node', false);
export const PersistentVolumes: ResourceType<PersistentVolume> = resourceType(
  '',
  'v1',
  'persistentvolumes',
  'PersistentVolume',
  false,
);
export const PersistentVolumeClaims: ResourceType<PersistentVolumeClaim> = resourceType(
  '',
  'v1',
  'persistentvolumeclaims',
  'PersistentVolumeClaim',
);
export const RoleBindings: ResourceType = resourceType(
  'rbac.authorization.k8s.io',
  'v1',
  'rolebindings',
  'RoleBinding',
);
export const Leases: ResourceType<Lease> = resourceType('coordination.k8s.io', 'v1', 'leases', 'Lease');
export const Events: ResourceType<Event> = resourceType('events.k8s.io', 'v1', 'events', 'Event');
export const NetworkPolicies: ResourceType<NetworkPolicy> = resourceType(
  'networking.k8s.io',
  'v1',
  'networkpolicies',
  'NetworkPolicy',
);

export function apiVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

/** The collection URL path, across all namespaces when `namespace` is undefined. */
export function collectionPath(type: ResourceType, namespace?: string): string {
  const base = type.group ? `/apis/${type.group}/${type.version}` : `/api/${type.version}`;
  const ns = type.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${type.plural}`;
}

export function objectPath(
  type: ResourceType,
  namespace: string | undefined,
  name: string,
  subresource?: string,
) {
  if (type.namespaced && !namespace) throw new Error(`${type.kind} ${name}: a namespace is required`);
  const sub = subresource ? `/${subresource}` : '';
  return `${collectionPath(type, namespace)}/${encodeURIComponent(name)}${sub}`;
}

/** The cache and work-queue key: `namespace/name`, or `name` for cluster-scoped objects. */
export function keyOf(obj: KubeObject): string {
  const { namespace, name } = obj.metadata;
  return namespace ? `${namespace}/${name ?? ''}` : (name ?? '');
}

export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const slash = key.indexOf('/');
  return slash < 0
    ? { namespace: undefined, name: key }
    : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

export function nameOf(obj: KubeObject): string {
  const name = obj.metadata.name;
  if (!name) throw new Error(`${obj.kind ?? 'object'} without metadata.name`);
  return name;
}
