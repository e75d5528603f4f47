// The informer's cache: objects by `namespace/name`. A key can outlive its object (delete and
// re-create under the same name), so every change compares UIDs and reports a re-created object as
// a delete of the old one followed by an add of the new one.
import { keyOf, type KubeObject } from './resources.ts';

export type StoreChange<T> =
  | { type: 'add'; obj: T }
  | { type: 'update'; old: T; obj: T }
  /** `finalStateUnknown`: the delete was missed (found by a relist), `obj` is the last state we saw. */
  | { type: 'delete'; obj: T; finalStateUnknown: boolean };

export class Store<T extends KubeObject> {
  private readonly items = new Map<string, T>();

  get size(): number {
    return this.items.size;
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  list(namespace?: string): T[] {
    const all = [...this.items.values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace);
  }

  keys(): string[] {
    return [...this.items.keys()];
  }

  /** Applies an ADDED or MODIFIED watch event. */
  upsert(obj: T): StoreChange<T>[] {
    const key = keyOf(obj);
    const old = this.items.get(key);
    this.items.set(key, obj);
    if (!old) return [{ type: 'add', obj }];
    if (!sameUid(old, obj)) {
      return [
        { type: 'delete', obj: old, finalStateUnknown: true },
        { type: 'add', obj },
      ];
    }
    return [{ type: 'update', old, obj }];
  }

  /** Applies a DELETED watch event; a delete for an older incarnation of the name is ignored. */
  remove(obj: T): StoreChange<T>[] {
    const key = keyOf(obj);
    const old = this.items.get(key);
    if (!old || !sameUid(old, obj)) return [];
    this.items.delete(key);
    return [{ type: 'delete', obj, finalStateUnknown: false }];
  }

  /**
   * Replaces the whole content with a fresh list and returns what changed. With `resync`, unchanged
   * objects are reported as updates too (old and new the same), so level-triggered consumers re-check.
   */
  replace(objects: T[], resync = false): StoreChange<T>[] {
    const fresh = new Map<string, T>();
    for (const obj of objects) fresh.set(keyOf(obj), obj);
    const changes: StoreChange<T>[] = [];
    for (const [key, old] of this.items) {
      const obj = fresh.get(key);
      if (!obj || !sameUid(old, obj)) changes.push({ type: 'delete', obj: old, finalStateUnknown: true });
    }
    for (const [key, obj] of fresh) {
      const old = this.items.get(key);
      if (!old || !sameUid(old, obj)) changes.push({ type: 'add', obj });
      else if (resync || old.metadata.resourceVersion !== obj.metadata.resourceVersion) {
        changes.push({ type: 'update', old, obj });
      }
    }
    this.items.clear();
    for (const [key, obj] of fresh) this.items.set(key, obj);
    return changes;
  }
}

function sameUid(a: KubeObject, b: KubeObject): boolean {
  return !a.metadata.uid || !b.metadata.uid || a.metadata.uid === b.metadata.uid;
}
