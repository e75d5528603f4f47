// Checks a CRD schema against Kubernetes' structural-schema rules, plus this project's own:
// every node described, every string and list bounded (which keeps CEL cost estimates in budget).
import { isDeepStrictEqual } from 'node:util';
import { INT_OR_STRING_BRANCHES, type JsonSchema } from './structural.ts';

const UNIONS = ['anyOf', 'oneOf', 'allOf', 'not'] as const;
const METADATA_FIELDS = new Set(['name', 'generateName']);

export function lintStructuralSchema(root: JsonSchema): string[] {
  const problems: string[] = [];
  walk(root, '', problems, true);
  return problems;
}

function isIntOrString(node: JsonSchema): boolean {
  return node['x-kubernetes-int-or-string'] === true;
}

function children(node: JsonSchema): [string, JsonSchema][] {
  const result: [string, JsonSchema][] = [];
  const properties = node.properties as Record<string, JsonSchema> | undefined;
  for (const [key, child] of Object.entries(properties ?? {})) result.push([`.${key}`, child]);
  if (typeof node.items === 'object') result.push(['[*]', node.items as JsonSchema]);
  if (typeof node.additionalProperties === 'object')
    result.push(['{*}', node.additionalProperties as JsonSchema]);
  return result;
}

function walk(node: JsonSchema, path: string, problems: string[], isRoot: boolean): void {
  const at = path || '<root>';
  const report = (problem: string) => problems.push(`${at}: ${problem}`);
  if ('$ref' in node) report('$ref is not allowed');
  if (!isIntOrString(node) && node['x-kubernetes-preserve-unknown-fields'] !== true && !node.type) {
    report('every node needs a type (or x-kubernetes-int-or-string / preserve-unknown-fields)');
  }
  if (typeof node.description !== 'string' || node.description.trim() === '') report('missing description');
  for (const union of UNIONS) {
    if (!(union in node)) continue;
    const intOrStringBranches = union === 'anyOf' && isIntOrString(node);
    if (!intOrStringBranches) report(`${union} is not allowed (not structural here)`);
    else if (!isDeepStrictEqual(node.anyOf, INT_OR_STRING_BRANCHES)) {
      report('int-or-string anyOf must be exactly [{type: integer}, {type: string}]');
    }
  }
  if (isIntOrString(node) && node.type !== undefined) report('int-or-string must not have a type');
  if (node.additionalProperties === false)
    report('additionalProperties: false is not allowed (pruning applies)');
  if (node.properties !== undefined && node.additionalProperties !== undefined) {
    report('properties and additionalProperties are mutually exclusive');
  }
  if (
    node.type === 'string' &&
    node.maxLength === undefined &&
    node.enum === undefined &&
    node.format !== 'date-time'
  ) {
    report('string without maxLength (CEL cost and object size are unbounded)');
  }
  if (isIntOrString(node) && (node.pattern === undefined || node.maxLength === undefined)) {
    report('int-or-string without a pattern and maxLength');
  }
  if (node.type === 'array') {
    if (node.maxItems === undefined) report('array without maxItems');
    if (typeof node.items !== 'object') report('array without items');
  }
  if (typeof node.additionalProperties === 'object' && node.maxProperties === undefined) {
    report('map without maxProperties');
  }
  if (node['x-kubernetes-list-type'] === 'map') checkListMap(node, report);
  for (const rule of (node['x-kubernetes-validations'] ?? []) as JsonSchema[]) {
    if (typeof rule.rule !== 'string' || typeof rule.message !== 'string' || rule.message === '') {
      report('every x-kubernetes-validations entry needs a rule and a message');
    }
  }
  if (isRoot) checkRoot(node, report);
  for (const [segment, child] of children(node)) {
    // Kubernetes owns metadata's schema: a CRD may only say it is an object.
    if (isRoot && segment === '.metadata') continue;
    walk(child, `${path}${segment}`, problems, false);
  }
}

function checkListMap(node: JsonSchema, report: (problem: string) => void): void {
  const items = node.items as JsonSchema | undefined;
  const keys = (node['x-kubernetes-list-map-keys'] ?? []) as string[];
  const required = new Set((items?.required ?? []) as string[]);
  if (keys.length === 0) report('list-type map without x-kubernetes-list-map-keys');
  for (const key of keys)
    if (!required.has(key)) report(`list-map key ${key} must be a required field of the items`);
}

function checkRoot(node: JsonSchema, report: (problem: string) => void): void {
  if (node.type !== 'object') report('the root must be of type object');
  const properties = (node.properties ?? {}) as Record<string, JsonSchema>;
  const metadata = properties.metadata ?? {};
  const metadataFields = Object.keys(metadata.properties ?? {});
  if (metadataFields.some((field) => !METADATA_FIELDS.has(field))) {
    report('metadata may only constrain name and generateName');
  }
  if (Object.keys(metadata).some((key) => key !== 'type' && key !== 'properties')) {
    report('metadata may only have a type (and name/generateName properties), not even a description');
  }
  if (!properties.spec) report('missing spec');
  if (!properties.status) report('missing status (the status subresource needs it)');
}
