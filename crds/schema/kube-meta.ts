// Kubernetes-specific schema metadata carried on zod schemas, so one zod definition yields the
// TypeScript type, the runtime validator and the CRD's OpenAPI schema (descriptions, CEL rules,
// list semantics). The generator copies these keys into the OpenAPI output unchanged.
import type { z } from 'zod';

/** One CEL rule (`x-kubernetes-validations` entry), checked by the API server at admission. */
export interface CelRule {
  rule: string;
  /** Said to the person whose request was refused: name the field and the rule. */
  message: string;
  /** Where the error is reported, relative to the node the rule sits on (e.g. `.lifetime`). */
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

export interface KubeSchemaOptions {
  validations?: CelRule[];
  listType?: 'atomic' | 'set' | 'map';
  listMapKeys?: string[];
  /** Marks a `string | int` union as a Kubernetes int-or-string (quantities). */
  intOrString?: boolean;
  /** For maps (z.record): most entries allowed, which bounds CEL cost and object size. */
  maxProperties?: number;
}

/** Attaches a description (required on every field) and Kubernetes extensions to a schema. */
export function doc<T extends z.ZodType>(schema: T, description: string, options: KubeSchemaOptions = {}): T {
  const meta: Record<string, unknown> = { description };
  if (options.validations?.length) meta['x-kubernetes-validations'] = options.validations;
  if (options.listType) meta['x-kubernetes-list-type'] = options.listType;
  if (options.listMapKeys) meta['x-kubernetes-list-map-keys'] = options.listMapKeys;
  if (options.intOrString) meta['x-kubernetes-int-or-string'] = true;
  if (options.maxProperties !== undefined) meta['maxProperties'] = options.maxProperties;
  return schema.meta(meta);
}

/** A transition rule: the value may be set on create but never changed afterwards. */
export function immutable(field: string, why: string): CelRule {
  return { rule: 'self == oldSelf', message: `${field} is immutable: ${why}`, reason: 'FieldValueForbidden' };
}
