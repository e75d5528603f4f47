// Resource types and object shapes. The runtime works on plain JSON as the API server sends it, so
// timestamps are always RFC 3339 strings (client-node's typed models mix Date and string).

export interface ResourceType {
  group: string;
  version: string;
  /** The resource name in URLs, e.g. `configmaps`. */
  plural: string;
  kind: string;
  namespaced: boolean;
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

const builtin = (group: string, version: string, plural: string, kind: string, namespaced = true) =>
  ({ group, version, plural, kind, namespaced }) satisfies ResourceType;

export const ConfigMaps = builtin('', 'v1', 'configmaps', 'ConfigMap');
export const Secrets = builtin('', 'v1', 'secrets', 'Secret');
export const Pods = builtin('', 'v1', 'pods', 'Pod');
export const Services = builtin('', 'v1', 'services', 'Service');
export const Namespaces = builtin('', 'v1', 'namespaces', 'Namespace', false);
export const Nodes = builtin('', 'v1', 'nodes', 'Node', false);
export const PersistentVolumes = builtin('', 'v1', 'persistentvolumes', 'PersistentVolume', false);
export const PersistentVolumeClaims = builtin('', 'v1', 'persistentvolumeclaims', 'PersistentVolumeClaim');
export const Leases = builtin('coordination.k8s.io', 'v1', 'leases', 'Lease');
export const Events = builtin('events.k8s.io', 'v1', 'events', 'Event');
export const NetworkPolicies = builtin('networking.k8s.io', 'v1', 'networkpolicies', 'NetworkPolicy');

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
