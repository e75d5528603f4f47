// Builds a CustomResourceDefinition (a plain object) for one kind from its zod schemas.
import { z } from 'zod';
import { CATEGORY, GROUP, VERSION, type KindDefinition } from '../kinds.ts';
import { toStructural, type JsonSchema } from './structural.ts';

export function openApiSchema(schema: z.ZodType): JsonSchema {
  const raw = z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'throw' });
  return toStructural(raw);
}

export function crdSchema(kind: KindDefinition): JsonSchema {
  return {
    description: kind.description,
    type: 'object',
    required: ['spec'],
    properties: {
      apiVersion: {
        description: `APIVersion defines the versioned schema of this representation of an object: ${GROUP}/${VERSION}.`,
        type: 'string',
        maxLength: 64,
      },
      kind: {
        description: `Kind is the REST resource this object represents: ${kind.kind}.`,
        type: 'string',
        maxLength: 64,
      },
      // Kubernetes owns metadata's schema; a CRD may only bound name (which also lets the name rule
      // below report its error at metadata.name).
      metadata: { type: 'object', properties: { name: { type: 'string', maxLength: kind.maxNameLength } } },
      spec: openApiSchema(kind.spec),
      status: openApiSchema(kind.status),
    },
    'x-kubernetes-validations': [kind.nameRule],
  };
}

export function buildCrd(kind: KindDefinition): JsonSchema {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${kind.plural}.${GROUP}`,
      labels: { 'app.kubernetes.io/part-of': 'daas-operator' },
    },
    spec: {
      group: GROUP,
      scope: kind.scope,
      names: {
        kind: kind.kind,
        listKind: `${kind.kind}List`,
        plural: kind.plural,
        singular: kind.singular,
        shortNames: kind.shortNames,
        categories: [CATEGORY],
      },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: kind.printerColumns,
          schema: { openAPIV3Schema: crdSchema(kind) },
        },
      ],
    },
  };
}
