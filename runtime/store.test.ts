import { describe, expect, it } from 'vitest';
import { keyOf, type KubeObject } from './resources.ts';
import { Store } from './store.ts';

const cm = (name: string, uid: string, rv: string): KubeObject => ({
  kind: 'ConfigMap',
  metadata: { namespace: 'ns', name, uid, resourceVersion: rv },
});

describe('Store', () => {
  it('reports a name re-created with a new UID as a delete of the old object and an add of the new', () => {
    const store = new Store<KubeObject>();
    store.upsert(cm('a', 'uid-1', '1'));
    const changes = store.upsert(cm('a', 'uid-2', '5'));
    expect(changes.map((c) => [c.type, c.obj.metadata.uid])).toEqual([
      ['delete', 'uid-1'],
      ['add', 'uid-2'],
    ]);
    expect(store.get('ns/a')?.metadata.uid).toBe('uid-2');
  });

  it('ignores a late delete of an older incarnation of the name', () => {
    const store = new Store<KubeObject>();
    store.upsert(cm('a', 'uid-2', '5'));
    expect(store.remove(cm('a', 'uid-1', '4'))).toEqual([]);
    expect(store.get('ns/a')?.metadata.uid).toBe('uid-2');
    expect(store.remove(cm('a', 'uid-2', '6')).map((c) => c.type)).toEqual(['delete']);
    expect(store.size).toBe(0);
  });

  it('diffs a relist: deletes for vanished or re-created objects, updates for changed ones', () => {
    const store = new Store<KubeObject>();
    store.replace([
      cm('gone', 'u1', '1'),
      cm('same', 'u2', '2'),
      cm('changed', 'u3', '3'),
      cm('recreated', 'u4', '4'),
    ]);
    const changes = store.replace([
      cm('same', 'u2', '2'),
      cm('changed', 'u3', '9'),
      cm('recreated', 'u5', '8'),
      cm('new', 'u6', '7'),
    ]);
    const summary = changes.map(
      (c) =>
        `${c.type}:${c.obj.metadata.name ?? ''}:${c.type === 'delete' ? String(c.finalStateUnknown) : ''}`,
    );
    expect(summary.sort()).toEqual(
      ['add:new:', 'add:recreated:', 'delete:gone:true', 'delete:recreated:true', 'update:changed:'].sort(),
    );
    expect(
      store
        .list('ns')
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(['changed', 'new', 'recreated', 'same']);
    // A resync reports unchanged objects too.
    expect(store.replace(store.list(), true).filter((c) => c.type === 'update')).toHaveLength(4);
  });
});

interface Labelled extends KubeObject {
  spec: { owner: string; tags?: string[] };
}

const obj = (namespace: string, name: string, uid: string, owner: string, tags?: string[]): Labelled => ({
  kind: 'Thing',
  metadata: { namespace, name, uid, resourceVersion: `${uid}-${owner}` },
  spec: { owner, ...(tags ? { tags } : {}) },
});
const byOwner = (o: Labelled) => [o.spec.owner];
const byTag = (o: Labelled) => o.spec.tags ?? [];
const names = (objects: KubeObject[]) => objects.map(keyOf).sort();

describe('Store indexes', () => {
  const indexed = () => new Store<Labelled>({ indexes: { byOwner, byTag } });

  it('finds added objects under each of their values, once per value', () => {
    const store = indexed();
    store.upsert(obj('p1', 'a', 'u1', 'ada', ['gpu', 'gpu', 'big']));
    store.upsert(obj('p2', 'b', 'u2', 'ada'));
    store.upsert(obj('p1', 'c', 'u3', 'bob', ['gpu']));
    expect(names(store.byIndex('byOwner', 'ada'))).toEqual(['p1/a', 'p2/b']);
    expect(store.indexKeys('byTag', 'gpu').sort()).toEqual(['p1/a', 'p1/c']);
    expect(store.indexValues('byTag').sort()).toEqual(['big', 'gpu']);
    expect(store.byIndex('byOwner', 'nobody')).toEqual([]);
    expect(() => store.byIndex('byImage', 'x')).toThrow(/no index named byImage/);
  });

  it('moves an object whose indexed value changes, and forgets values nobody has any more', () => {
    const store = indexed();
    store.upsert(obj('p1', 'a', 'u1', 'ada', ['gpu']));
    store.upsert(obj('p1', 'a', 'u1', 'bob', ['cpu']));
    expect(store.byIndex('byOwner', 'ada')).toEqual([]);
    expect(names(store.byIndex('byOwner', 'bob'))).toEqual(['p1/a']);
    expect(store.indexValues('byOwner')).toEqual(['bob']);
    expect(store.indexValues('byTag')).toEqual(['cpu']);
    // The index returns the current object, not the one it was first indexed with.
    expect(store.byIndex('byTag', 'cpu')[0]?.spec.owner).toBe('bob');
  });

  it('drops a deleted object from every index and from its namespace', () => {
    const store = indexed();
    store.upsert(obj('p1', 'a', 'u1', 'ada', ['gpu']));
    store.upsert(obj('p1', 'b', 'u2', 'ada'));
    store.remove(obj('p1', 'a', 'u1', 'ada', ['gpu']));
    expect(names(store.byIndex('byOwner', 'ada'))).toEqual(['p1/b']);
    expect(store.indexValues('byTag')).toEqual([]);
    expect(names(store.list('p1'))).toEqual(['p1/b']);
  });

  it('re-indexes a name re-created with a new UID under the new object only', () => {
    const store = indexed();
    store.upsert(obj('p1', 'a', 'u1', 'ada'));
    store.upsert(obj('p1', 'a', 'u2', 'bob'));
    expect(store.byIndex('byOwner', 'ada')).toEqual([]);
    expect(store.byIndex('byOwner', 'bob').map((o) => o.metadata.uid)).toEqual(['u2']);
    // A late delete of the old incarnation changes nothing.
    store.remove(obj('p1', 'a', 'u1', 'ada'));
    expect(store.byIndex('byOwner', 'bob').map((o) => o.metadata.uid)).toEqual(['u2']);
  });

  it('keeps indexes in step with a relist that deletes, changes, re-creates and adds objects', () => {
    const store = indexed();
    store.replace([
      obj('p1', 'gone', 'u1', 'ada'),
      obj('p1', 'changed', 'u2', 'ada'),
      obj('p2', 'recreated', 'u3', 'ada'),
      obj('p2', 'same', 'u4', 'bob'),
    ]);
    store.replace([
      obj('p1', 'changed', 'u2', 'carl'),
      obj('p2', 'recreated', 'u5', 'bob'),
      obj('p2', 'same', 'u4', 'bob'),
      obj('p3', 'new', 'u6', 'ada'),
    ]);
    expect(names(store.byIndex('byOwner', 'ada'))).toEqual(['p3/new']);
    expect(names(store.byIndex('byOwner', 'bob'))).toEqual(['p2/recreated', 'p2/same']);
    expect(names(store.byIndex('byOwner', 'carl'))).toEqual(['p1/changed']);
    expect(store.indexValues('byOwner').sort()).toEqual(['ada', 'bob', 'carl']);
    expect(names(store.list('p1'))).toEqual(['p1/changed']);
    expect(store.list('p4')).toEqual([]);
    store.replace([]);
    expect(store.indexValues('byOwner')).toEqual([]);
    expect(store.list('p2')).toEqual([]);
  });

  it('fills an index added later from the content, and refuses another function under its name', () => {
    const store = new Store<Labelled>();
    store.upsert(obj('p1', 'a', 'u1', 'ada'));
    store.addIndex('byOwner', byOwner);
    store.addIndex('byOwner', byOwner);
    expect(names(store.byIndex('byOwner', 'ada'))).toEqual(['p1/a']);
    expect(() => {
      store.addIndex('byOwner', (o) => [o.spec.owner.toUpperCase()]);
    }).toThrow(/already exists with another function/);
  });

  it('leaves an object out of an index whose function throws, and tells the handler', () => {
    const errors: string[] = [];
    const store = new Store<Labelled>({
      indexes: { byOwner, firstTag: (o) => [o.spec.tags?.[0] ?? fail()] },
      onIndexError: (index, key) => errors.push(`${index} ${key}`),
    });
    store.upsert(obj('p1', 'a', 'u1', 'ada'));
    expect(errors).toEqual(['firstTag p1/a']);
    expect(names(store.byIndex('byOwner', 'ada'))).toEqual(['p1/a']);
    expect(store.indexValues('firstTag')).toEqual([]);
    // Without a handler the write fails as a whole.
    const strict = new Store<Labelled>({ indexes: { firstTag: (o) => [o.spec.tags?.[0] ?? fail()] } });
    expect(() => strict.upsert(obj('p1', 'a', 'u1', 'ada'))).toThrow(/index firstTag failed on p1\/a/);
    expect(strict.size).toBe(0);
  });
});

function fail(): never {
  throw new Error('no tag');
}
