import { describe, expect, it } from 'vitest';
import type { KubeObject } from './resources.ts';
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
