import { describe, expect, it } from 'vitest';
import { firstDifference, holds, repairOf } from './drift.ts';

describe('firstDifference', () => {
  it('accepts fields the API server defaulted', () => {
    const desired = { spec: { containers: [{ name: 'session', ports: [{ containerPort: 8888 }] }] } };
    const live = {
      spec: {
        dnsPolicy: 'ClusterFirst',
        containers: [
          {
            name: 'session',
            terminationMessagePath: '/dev/x',
            ports: [{ containerPort: 8888, protocol: 'TCP' }],
          },
        ],
      },
    };
    expect(firstDifference(desired, live)).toBeUndefined();
  });

  it('compares quantities by value where Kubernetes normalises them', () => {
    const desired = {
      resources: { requests: { cpu: '1000m', memory: '2048Mi' } },
      emptyDir: { sizeLimit: '1Gi' },
    };
    const live = { resources: { requests: { cpu: '1', memory: '2Gi' } }, emptyDir: { sizeLimit: '1024Mi' } };
    expect(holds(desired, live)).toBe(true);
    expect(
      firstDifference({ resources: { limits: { cpu: '2' } } }, { resources: { limits: { cpu: '1' } } }),
    ).toBe('resources.limits.cpu');
  });

  it('does not read other strings as quantities', () => {
    expect(
      firstDifference({ metadata: { labels: { a: '1000m' } } }, { metadata: { labels: { a: '1' } } }),
    ).toBe('metadata.labels.a');
  });

  it("finds a NetworkPolicy rule opened to everyone, or one added beside the operator's", () => {
    const rule = { from: [{ podSelector: { matchLabels: { app: 'gateway' } } }], ports: [{ port: 8888 }] };
    expect(firstDifference({ spec: { ingress: [rule] } }, { spec: { ingress: [{}] } })).toBe(
      'spec.ingress[0].from',
    );
    expect(firstDifference({ spec: { ingress: [rule] } }, { spec: { ingress: [rule, {}] } })).toBe(
      'spec.ingress',
    );
  });

  it("lets the API server append tolerations, but not drop the operator's", () => {
    const gpu = { key: 'nvidia.com/gpu', operator: 'Exists' };
    const added = { key: 'node.kubernetes.io/not-ready', operator: 'Exists', tolerationSeconds: 300 };
    expect(holds({ tolerations: [gpu] }, { tolerations: [gpu, added] })).toBe(true);
    expect(holds({ tolerations: [gpu] }, { tolerations: [] })).toBe(false);
  });

  it('finds a changed label, a changed Secret value and a missing field', () => {
    expect(firstDifference({ metadata: { labels: { s: 'a' } } }, { metadata: { labels: { s: 'b' } } })).toBe(
      'metadata.labels.s',
    );
    expect(firstDifference({ data: { token: 'eA==' } }, { data: { token: 'eQ==' } })).toBe('data.token');
    expect(firstDifference({ spec: { a: 1 } }, {})).toBe('spec');
    expect(firstDifference({ a: [1] }, { a: 'x' })).toBe('a');
  });

  it('ignores what the operator leaves out', () => {
    expect(holds({ a: undefined, b: 1 }, { b: 1, c: 2 })).toBe(true);
  });
});

describe('repairOf', () => {
  const hashKey = 'hash';
  const obj = (hash: string, spec: Record<string, unknown>, labels = { s: 'a' }, generation?: number) => ({
    metadata: { labels, annotations: { [hashKey]: hash }, ...(generation ? { generation } : {}) },
    spec,
  });
  const mutable = { immutable: false, hashKey };
  const immutable = { immutable: true, hashKey };

  it('writes nothing when the live child holds what is wanted', () => {
    expect(repairOf(obj('h', { a: 1 }), obj('h', { a: 1, defaulted: true }), mutable)).toBe('none');
    expect(repairOf(obj('h', { a: 1 }), obj('h', { a: 1 }, { s: 'a' }, 1), immutable)).toBe('none');
  });

  it('applies a mutable child whose intent or content changed', () => {
    expect(repairOf(obj('h2', { a: 1 }), obj('h', { a: 1 }), mutable)).toBe('apply');
    expect(repairOf(obj('h', { a: 1 }), obj('h', { a: 2 }), mutable)).toBe('apply');
    expect(repairOf(obj('h', { a: 1 }), obj('h', { a: 1 }, { s: 'b' }), mutable)).toBe('apply');
  });

  it("patches an immutable child's labels and annotations in place", () => {
    expect(repairOf(obj('h', { a: 1 }), obj('h', { a: 1 }, { s: 'b' }), immutable)).toBe('metadata');
    // A new intent that leaves the spec as it is (an annotation more): no new pod.
    expect(repairOf(obj('h2', { a: 1 }), obj('h', { a: 1 }), immutable)).toBe('metadata');
  });

  it('replaces an immutable child whose spec the intent changed, or someone edited after creation', () => {
    expect(repairOf(obj('h2', { a: 2 }), obj('h', { a: 1 }), immutable)).toBe('replace');
    expect(repairOf(obj('h', { a: 1 }), obj('h', { a: 2 }, { s: 'a' }, 2), immutable)).toBe('replace');
    expect(repairOf(obj('h', { a: 1 }), obj('h', { a: 1 }), { ...immutable, replace: true })).toBe('replace');
  });

  it('leaves a spec that admission mutated at creation alone (no replacement loop)', () => {
    expect(
      repairOf(obj('h', { image: 'x:1' }), obj('h', { image: 'x@sha256:1' }, { s: 'a' }, 1), immutable),
    ).toBe('none');
  });
});
