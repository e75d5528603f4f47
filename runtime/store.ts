// The informer's cache: objects by `namespace/name`. A key can outlive its object (delete and
// re-create under the same name), so every change compares UIDs and reports a re-created object as
// a delete of the old one followed by an add of the new one.
//
// Indexes, like client-go's Indexer: a named function maps an object to the values it is found
// under (`byOwner: (s) => [s.spec.owner]`), and `byIndex(name, value)` returns the objects under a
// value without scanning the store. Every write keeps every index in step, key by key; the values
// an object was indexed under are remembered, so removing it never calls the function again.
// Namespaces are a built-in index: `list(namespace)` reads only that namespace's objects.
import { keyOf, type KubeObject } from './resources.ts';

export type StoreChange<T> =
  | { type: 'add'; obj: T }
  | { type: 'update'; old: T; obj: T }
  /** `finalStateUnknown`: the delete was missed (found by a relist), `obj` is the last state we saw. */
  | { type: 'delete'; obj: T; finalStateUnknown: boolean };

/** The values an object is found under in one index (none: not in that index). */
export type IndexFunc<T> = (obj: T) => readonly string[];

export type IndexFuncs<T> = Record<string, IndexFunc<T>>;

/**
 * Told when an index function throws; the object is then indexed under no value of that index. The
 * default rethrows, and that object's write is not applied; informers pass one that logs instead.
 */
export type IndexErrorHandler = (index: string, key: string, err: unknown) => void;

/** One index: value → keys, and key → the values it was indexed under. */
class Index<T> {
  // Method syntax: a Store<Pod> stays usable as a Store<KubeObject> (as before indexes existed).
  private readonly definition: { fn(obj: T): readonly string[] };
  private readonly keysByValue = new Map<string, Set<string>>();
  private readonly valuesByKey = new Map<string, readonly string[]>();

  constructor(fn: IndexFunc<T>) {
    this.definition = { fn };
  }

  valuesOf(obj: T): readonly string[] {
    return this.definition.fn(obj);
  }

  uses(fn: IndexFunc<T>): boolean {
    return this.definition.fn === fn;
  }

  set(key: string, values: readonly string[]): void {
    const old = this.valuesByKey.get(key) ?? [];
    const fresh = [...new Set(values)];
    if (old.length === fresh.length && old.every((v, i) => v === fresh[i])) return;
    this.delete(key);
    if (fresh.length === 0) return;
    this.valuesByKey.set(key, fresh);
    for (const value of fresh) {
      let keys = this.keysByValue.get(value);
      if (!keys) this.keysByValue.set(value, (keys = new Set()));
      keys.add(key);
    }
  }

  delete(key: string): void {
    for (const value of this.valuesByKey.get(key) ?? []) {
      const keys = this.keysByValue.get(value);
      keys?.delete(key);
      if (keys?.size === 0) this.keysByValue.delete(value);
    }
    this.valuesByKey.delete(key);
  }

  keys(value: string): string[] {
    return [...(this.keysByValue.get(value) ?? [])];
  }

  values(): string[] {
    return [...this.keysByValue.keys()];
  }
}

const byNamespace = (obj: KubeObject) => (obj.metadata.namespace ? [obj.metadata.namespace] : []);

export class Store<T extends KubeObject> {
  private readonly items = new Map<string, T>();
  private readonly namespaces = new Index<KubeObject>(byNamespace);
  private readonly indexes = new Map<string, Index<T>>();
  private readonly onIndexError: IndexErrorHandler;

  constructor(options: { indexes?: IndexFuncs<T>; onIndexError?: IndexErrorHandler } = {}) {
    this.onIndexError =
      options.onIndexError ??
      ((index, key, err) => {
        throw new Error(`index ${index} failed on ${key}`, { cause: err });
      });
    for (const [name, fn] of Object.entries(options.indexes ?? {})) this.addIndex(name, fn);
  }

  get size(): number {
    return this.items.size;
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  /** Every object, or those of one namespace (from the namespace index, not a scan). */
  list(namespace?: string): T[] {
    if (namespace === undefined) return [...this.items.values()];
    return this.resolve(this.namespaces.keys(namespace));
  }

  keys(): string[] {
    return [...this.items.keys()];
  }

  /**
   * Adds an index and fills it from the current content (one pass). Adding the same function under
   * the same name again does nothing, so callers that share a cache may each ask for it; another
   * function under a taken name throws: share one definition instead.
   */
  addIndex(name: string, fn: IndexFunc<T>): void {
    const existing = this.indexes.get(name);
    if (existing) {
      if (existing.uses(fn)) return;
      throw new Error(`index ${name} already exists with another function`);
    }
    const index = new Index(fn);
    this.indexes.set(name, index);
    for (const [key, obj] of this.items) index.set(key, this.valuesOf(name, index, key, obj));
  }

  hasIndex(name: string): boolean {
    return this.indexes.has(name);
  }

  /** The objects indexed under `value` by the index `name`. */
  byIndex(name: string, value: string): T[] {
    return this.resolve(this.index(name).keys(value));
  }

  /** The keys of the objects indexed under `value` (no objects built: for key mappers). */
  indexKeys(name: string, value: string): string[] {
    return this.index(name).keys(value);
  }

  /** Every value that at least one object is indexed under. */
  indexValues(name: string): string[] {
    return this.index(name).values();
  }

  /** Applies an ADDED or MODIFIED watch event. */
  upsert(obj: T): StoreChange<T>[] {
    const key = keyOf(obj);
    const old = this.items.get(key);
    this.put(key, obj);
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
    this.drop(key);
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
      if (!obj) this.drop(key);
    }
    for (const [key, obj] of fresh) {
      const old = this.items.get(key);
      if (!old || !sameUid(old, obj)) changes.push({ type: 'add', obj });
      else if (resync || old.metadata.resourceVersion !== obj.metadata.resourceVersion) {
        changes.push({ type: 'update', old, obj });
      }
      this.put(key, obj);
    }
    return changes;
  }

  private put(key: string, obj: T): void {
    // Every index function runs before anything changes, so one that throws leaves no half-write.
    const values = [...this.indexes].map(([name, index]) => this.valuesOf(name, index, key, obj));
    this.items.set(key, obj);
    this.namespaces.set(key, byNamespace(obj));
    [...this.indexes.values()].forEach((index, i) => {
      index.set(key, values[i] ?? []);
    });
  }

  private drop(key: string): void {
    this.items.delete(key);
    this.namespaces.delete(key);
    for (const index of this.indexes.values()) index.delete(key);
  }

  private valuesOf(name: string, index: Index<T>, key: string, obj: T): readonly string[] {
    try {
      return index.valuesOf(obj);
    } catch (err) {
      this.onIndexError(name, key, err);
      return [];
    }
  }

  private index(name: string): Index<T> {
    const index = this.indexes.get(name);
    if (!index) throw new Error(`no index named ${name}`);
    return index;
  }

  private resolve(keys: string[]): T[] {
    const objects: T[] = [];
    for (const key of keys) {
      const obj = this.items.get(key);
      if (obj) objects.push(obj);
    }
    return objects;
  }
}

function sameUid(a: KubeObject, b: KubeObject): boolean {
  return !a.metadata.uid || !b.metadata.uid || a.metadata.uid === b.metadata.uid;
}
