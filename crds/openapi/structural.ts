// Turns zod's OpenAPI 3.0 output into a Kubernetes structural schema: int-or-string quantities,
// no additionalProperties:false (Kubernetes prunes unknown fields instead), no $ref, no unions,
// and keys in a stable, readable order so the committed YAML diffs well.
export type JsonSchema = Record<string, unknown>;

const SAFE_INTEGER_BOUND = Number.MAX_SAFE_INTEGER;
export const INT_OR_STRING_BRANCHES = [{ type: 'integer' }, { type: 'string' }] as const;

const KEY_ORDER = [
  'description',
  'type',
  'format',
  'enum',
  'default',
  'minimum',
  'exclusiveMinimum',
  'maximum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'maxProperties',
  'anyOf',
  'x-kubernetes-int-or-string',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'required',
  'properties',
  'items',
  'additionalProperties',
  'x-kubernetes-validations',
];

function ordered(node: JsonSchema): JsonSchema {
  const keys = Object.keys(node).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return Object.fromEntries(keys.map((key) => [key, node[key]]));
}

function rank(key: string): number {
  const index = KEY_ORDER.indexOf(key);
  return index === -1 ? KEY_ORDER.length : index;
}

function asSchema(value: unknown, path: string): JsonSchema {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${path}: expected a schema object`);
  }
  return value as JsonSchema;
}

/**
 * Rewrites zod's `anyOf: [string, integer]` into Kubernetes' int-or-string form (as controller-gen
 * emits for resource.Quantity): bare-typed anyOf branches, value validations on the node itself.
 */
function intOrString(node: JsonSchema, path: string): JsonSchema {
  const branches = (node.anyOf ?? []) as JsonSchema[];
  const stringBranch = branches.find((branch) => branch.type === 'string');
  const { anyOf: _anyOf, type: _type, ...rest } = node;
  if (!stringBranch) throw new Error(`${path}: int-or-string needs a string branch`);
  const result: JsonSchema = { ...rest, anyOf: INT_OR_STRING_BRANCHES.map((branch) => ({ ...branch })) };
  if (stringBranch.pattern !== undefined) result.pattern = stringBranch.pattern;
  if (stringBranch.maxLength !== undefined) result.maxLength = stringBranch.maxLength;
  return result;
}

export function toStructural(input: JsonSchema, path = '<root>'): JsonSchema {
  if ('$ref' in input) throw new Error(`${path}: $ref is not allowed in a structural schema`);
  let node: JsonSchema = { ...input };
  delete node.$schema;
  delete node.$defs;
  delete node.definitions;
  delete node.id;
  if (node['x-kubernetes-int-or-string'] === true) return ordered(intOrString(node, path));
  for (const union of ['anyOf', 'oneOf', 'allOf', 'not']) {
    if (union in node) throw new Error(`${path}: ${union} is not structural; model it with CEL instead`);
  }
  if (node.additionalProperties === false) delete node.additionalProperties;
  if (node.type === 'integer') {
    if (node.minimum === -SAFE_INTEGER_BOUND) delete node.minimum;
    if (node.maximum === SAFE_INTEGER_BOUND) delete node.maximum;
  }
  // zod adds a long regex for date-time; the `format` already validates it on the server.
  if (node.format === 'date-time') delete node.pattern;
  if (node.properties !== undefined) {
    const properties = asSchema(node.properties, path);
    node.properties = Object.fromEntries(
      Object.entries(properties).map(([key, child]) => [
        key,
        toStructural(asSchema(child, path), `${path}.${key}`),
      ]),
    );
  }
  if (node.items !== undefined) node.items = toStructural(asSchema(node.items, path), `${path}[]`);
  if (typeof node.additionalProperties === 'object') {
    node.additionalProperties = toStructural(asSchema(node.additionalProperties, path), `${path}{}`);
  }
  // zod emits `propertyNames` for record keys; Kubernetes has no such keyword.
  delete node.propertyNames;
  node = ordered(node);
  return node;
}
