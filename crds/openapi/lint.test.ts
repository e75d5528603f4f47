// The generated schemas against Kubernetes' structural-schema rules (and our stricter ones), and
// proof that the linter catches each kind of violation.
import { describe, expect, test } from 'vitest';
import { KINDS } from '../kinds.ts';
import { crdSchema } from './crd.ts';
import { lintStructuralSchema } from './lint.ts';
import { toStructural, type JsonSchema } from './structural.ts';

describe.each(KINDS)('the $kind CRD schema', (kind) => {
  test('is structural, fully described and bounded', () => {
    expect(lintStructuralSchema(crdSchema(kind))).toEqual([]);
  });
});

/** A valid root schema with one spec field, to break in one way per case. */
function rootWith(field: JsonSchema): JsonSchema {
  return {
    description: 'root',
    type: 'object',
    properties: {
      metadata: { type: 'object' },
      spec: { description: 'spec', type: 'object', properties: { field } },
      status: { description: 'status', type: 'object' },
    },
  };
}

const violations: [string, JsonSchema, string][] = [
  ['a string without maxLength', { description: 'd', type: 'string' }, 'string without maxLength'],
  ['a node without a type', { description: 'd', properties: {} }, 'every node needs a type'],
  ['a $ref', { description: 'd', type: 'object', $ref: '#/x' }, '$ref is not allowed'],
  ['a missing description', { type: 'integer' }, 'missing description'],
  [
    'an unbounded list',
    { description: 'd', type: 'array', items: { description: 'i', type: 'integer' } },
    'maxItems',
  ],
  ['a list without items', { description: 'd', type: 'array', maxItems: 3 }, 'array without items'],
  [
    'additionalProperties: false',
    { description: 'd', type: 'object', additionalProperties: false },
    'additionalProperties: false is not allowed',
  ],
  [
    'properties with additionalProperties',
    {
      description: 'd',
      type: 'object',
      maxProperties: 2,
      properties: {},
      additionalProperties: { description: 'v', type: 'integer' },
    },
    'mutually exclusive',
  ],
  [
    'an unbounded map',
    { description: 'd', type: 'object', additionalProperties: { description: 'v', type: 'integer' } },
    'map without maxProperties',
  ],
  [
    'a union',
    { description: 'd', type: 'string', maxLength: 3, oneOf: [{ enum: ['a'] }] },
    'oneOf is not allowed',
  ],
  [
    'an int-or-string without a pattern',
    {
      description: 'd',
      'x-kubernetes-int-or-string': true,
      anyOf: [{ type: 'integer' }, { type: 'string' }],
    },
    'int-or-string without a pattern',
  ],
  [
    'an int-or-string with typed branches',
    {
      description: 'd',
      'x-kubernetes-int-or-string': true,
      pattern: '^x$',
      maxLength: 3,
      anyOf: [{ type: 'integer' }, { type: 'string', maxLength: 3 }],
    },
    'anyOf must be exactly',
  ],
  [
    'a list-map keyed by an optional field',
    {
      description: 'd',
      type: 'array',
      maxItems: 3,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
      items: {
        description: 'i',
        type: 'object',
        properties: { name: { description: 'n', type: 'string', maxLength: 3 } },
      },
    },
    'list-map key name must be a required field',
  ],
  [
    'a CEL rule without a message',
    { description: 'd', type: 'integer', 'x-kubernetes-validations': [{ rule: 'self > 0' }] },
    'needs a rule and a message',
  ],
];

describe('the structural-schema linter', () => {
  test.each(violations)('reports %s', (_what, field, problem) => {
    const problems = lintStructuralSchema(rootWith(field));
    expect(problems.join('\n')).toContain(problem);
    expect(problems.join('\n')).toContain('.spec.field');
  });

  test('reports a described or constrained metadata', () => {
    const root = rootWith({ description: 'd', type: 'integer' });
    (root.properties as Record<string, JsonSchema>).metadata = {
      type: 'object',
      description: 'meta',
      properties: { labels: { type: 'object' } },
    };
    expect(lintStructuralSchema(root)).toEqual([
      '<root>: metadata may only constrain name and generateName',
      '<root>: metadata may only have a type (and name/generateName properties), not even a description',
    ]);
  });
});

describe('toStructural', () => {
  test('refuses a $ref and unions that Kubernetes cannot represent', () => {
    expect(() => toStructural({ $ref: '#/$defs/x' })).toThrow('$ref is not allowed');
    expect(() => toStructural({ anyOf: [{ type: 'string' }, { type: 'boolean' }] })).toThrow(
      'anyOf is not structural',
    );
  });

  test('turns a zod string|int union into a Kubernetes int-or-string with the pattern on the node', () => {
    const node = toStructural({
      description: 'q',
      'x-kubernetes-int-or-string': true,
      anyOf: [
        { type: 'string', maxLength: 32, pattern: '^[0-9]+$' },
        { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
      ],
    });
    expect(node).toEqual({
      description: 'q',
      maxLength: 32,
      pattern: '^[0-9]+$',
      anyOf: [{ type: 'integer' }, { type: 'string' }],
      'x-kubernetes-int-or-string': true,
    });
  });

  test('drops additionalProperties: false (Kubernetes prunes instead) and the date-time regex', () => {
    const node = toStructural({
      type: 'object',
      additionalProperties: false,
      properties: { at: { type: 'string', format: 'date-time', pattern: '^…$' } },
    });
    expect(node).toEqual({ type: 'object', properties: { at: { type: 'string', format: 'date-time' } } });
  });
});
