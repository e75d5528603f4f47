// Renders docs/api.md: the hand-written guide (docs/api-guide.md), then a field reference for each
// kind generated from the CRD schemas, with a worked example taken from examples/.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { API_VERSION, KINDS, type KindDefinition } from '../crds/kinds.ts';
import { crdSchema } from '../crds/openapi/crd.ts';
import { conditionsTable } from '../crds/conditions.ts';
import { keysTable } from '../crds/labels.ts';
import { operatorRulesTable } from '../crds/operator-rules.ts';
import { reasonsTable } from '../crds/reasons.ts';
import type { JsonSchema } from '../crds/openapi/structural.ts';

/** The example object shown for each kind, and what it means in practice. */
const WORKED_EXAMPLES: Record<string, { name: string; walkthrough: string }> = {
  SessionImage: {
    name: 'matlab-ptychoshelves',
    walkthrough: `Members of the group \`matlab-licensed\`, and sessions of proposals at beamlines id16a, id16b
and cxi, may launch it. A session gets 8 CPUs, 32Gi of memory and 40Gi of scratch disk unless it
asks for other amounts, and may ask for up to 32 CPUs, 128Gi and 200Gi. It runs for 24h unless
it asks for another lifetime, can be extended up to 168h, is stopped after 8h without VNC traffic
through the gateway, and its owner is warned 1h before it expires.`,
  },
  AnalysisSession: {
    name: 'ptycho-recon',
    walkthrough: `The operator checks the image, the owner's right to use it, the requested resources against the
image's maxima and the quotas, then starts a MATLAB desktop with 16 CPUs, 96Gi and 120Gi of
scratch, mounts \`raw/ptycho/scan_0412\` of experiment session 2025-03-12 read-only at \`raw\` and
\`processed/ptycho\` writable at \`processed\`, and lets akowalska connect too. Once it runs,
\`kubectl get asess -n proposal-mx-2451 ptycho-recon -o yaml\` shows a status like:

\`\`\`yaml
status:
  observedGeneration: 1
  phase: Running
  reason: Running
  message: Running as zealous-hermann until 16 Mar 2025, 09:12 UTC.
  machineName: zealous-hermann
  startedAt: "2025-03-14T09:12:40Z"
  expiresAt: "2025-03-16T09:12:40Z"
  lastActivityAt: "2025-03-14T10:02:11Z"
  nodeName: cpu-node-07
  conditions:
    - type: Accepted
      status: "True"
      observedGeneration: 1
      lastTransitionTime: "2025-03-14T09:12:01Z"
      reason: Accepted
      message: image and request accepted
    - type: DataReady
      status: "True"
      observedGeneration: 1
      lastTransitionTime: "2025-03-14T09:12:03Z"
      reason: Attached
      message: proposal data attached
    - type: Scheduled
      status: "True"
      observedGeneration: 1
      lastTransitionTime: "2025-03-14T09:12:04Z"
      reason: Scheduled
      message: on node cpu-node-07
    - type: Ready
      status: "True"
      observedGeneration: 1
      lastTransitionTime: "2025-03-14T09:12:40Z"
      reason: Ready
      message: the environment is up
    - type: AccessReady
      status: "True"
      observedGeneration: 1
      lastTransitionTime: "2025-03-14T09:12:40Z"
      reason: EndpointReady
      message: ready to connect
    - type: ExpiringSoon
      status: "False"
      observedGeneration: 1
      lastTransitionTime: "2025-03-14T09:12:40Z"
      reason: NotYet
      message: not close to expiry
  endpoint:
    protocol: vnc
    host: 10.244.3.17
    port: 5901
    credentialsSecretName: daas-ptycho-recon
\`\`\`

Everyday changes are edits of \`spec\`:

\`\`\`sh
kubectl patch asess ptycho-recon -n proposal-mx-2451 --type merge -p '{"spec":{"lifetime":"96h"}}'   # extend
kubectl patch asess ptycho-recon -n proposal-mx-2451 --type merge -p '{"spec":{"state":"Stopped"}}'  # stop
kubectl patch asess ptycho-recon -n proposal-mx-2451 --type merge -p '{"spec":{"sharedWith":["akowalska","jdupont"]}}'
\`\`\``,
  },
  Quota: {
    name: 'default-per-user',
    walkthrough: `Every user may have at most 5 sessions running at once, using together at most 16 CPUs, 30Gi of
memory, 80Gi of scratch disk and 1 GPU, and no session may run longer than 168h. Once quotas are
enforced (not yet), a sixth session waits in phase \`Queued\` with \`QuotaAdmitted=False\` and reason
\`QuotaExceeded\` until another one stops. A \`User\` quota (such as \`user-mkowalski\`) or a
\`Group\` quota replaces these limits.`,
  },
};

interface Row {
  path: string;
  type: string;
  required: boolean;
  details: string;
}

function typeName(node: JsonSchema): string {
  if (node['x-kubernetes-int-or-string'] === true) return 'quantity (int or string)';
  if (node.type === 'array') return `[]${typeName(node.items as JsonSchema)}`;
  if (node.type === 'object' && typeof node.additionalProperties === 'object') {
    return `map[string]${typeName(node.additionalProperties as JsonSchema)}`;
  }
  if (node.format === 'date-time') return 'timestamp';
  return String(node.type);
}

const bound = (value: unknown) => (typeof value === 'number' ? String(value) : '…');

function constraints(node: JsonSchema): string[] {
  const notes: string[] = [];
  if (Array.isArray(node.enum)) notes.push(`One of: ${node.enum.map((v) => `\`${String(v)}\``).join(', ')}.`);
  if (node.default !== undefined) notes.push(`Default: \`${JSON.stringify(node.default)}\`.`);
  if (node.minimum !== undefined && node.maximum !== undefined) {
    notes.push(`Range: ${bound(node.minimum)} to ${bound(node.maximum)}.`);
  } else if (node.minimum !== undefined) notes.push(`At least ${bound(node.minimum)}.`);
  else if (node.maximum !== undefined) notes.push(`At most ${bound(node.maximum)}.`);
  if (node.maxLength !== undefined) notes.push(`At most ${bound(node.maxLength)} characters.`);
  if (node.maxItems !== undefined) notes.push(`At most ${bound(node.maxItems)} items.`);
  if (node.maxProperties !== undefined) notes.push(`At most ${bound(node.maxProperties)} entries.`);
  const listType = node['x-kubernetes-list-type'];
  if (listType === 'set') notes.push('Entries are unique.');
  if (listType === 'map') {
    notes.push(`Entries are unique by \`${(node['x-kubernetes-list-map-keys'] as string[]).join(', ')}\`.`);
  }
  for (const rule of (node['x-kubernetes-validations'] ?? []) as { message: string }[]) {
    notes.push(`Rule: ${rule.message}.`);
  }
  return notes;
}

function collectRows(node: JsonSchema, path: string, required: boolean, rows: Row[]): void {
  const description = typeof node.description === 'string' ? node.description : '';
  rows.push({ path, type: typeName(node), required, details: [description, ...constraints(node)].join(' ') });
  const requiredFields = new Set((node.required ?? []) as string[]);
  for (const [key, child] of Object.entries((node.properties ?? {}) as Record<string, JsonSchema>)) {
    collectRows(child, `${path}.${key}`, requiredFields.has(key), rows);
  }
  const items = node.items as JsonSchema | undefined;
  if (items?.properties) {
    const itemRequired = new Set((items.required ?? []) as string[]);
    for (const [key, child] of Object.entries(items.properties as Record<string, JsonSchema>)) {
      collectRows(child, `${path}[].${key}`, itemRequired.has(key), rows);
    }
  }
}

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

function fieldTable(root: JsonSchema, field: 'spec' | 'status'): string {
  const rows: Row[] = [];
  const node = (root.properties as Record<string, JsonSchema>)[field];
  if (node) collectRows(node, field, field === 'spec', rows);
  const lines = ['| Field | Type | Required | Description |', '| --- | --- | --- | --- |'];
  for (const row of rows) {
    lines.push(
      `| \`${row.path}\` | ${cell(row.type)} | ${row.required ? 'yes' : ''} | ${cell(row.details)} |`,
    );
  }
  return lines.join('\n');
}

interface Example {
  kind: string;
  name: string;
  /** The document as written in examples/, quoting and comments kept. */
  text: string;
}

async function exampleDocuments(repoRoot: string): Promise<Example[]> {
  const dir = join(repoRoot, 'examples');
  const names = (await readdir(dir)).filter((name) => name.endsWith('.yaml')).sort();
  const documents: Example[] = [];
  for (const name of names) {
    for (const doc of parseAllDocuments(await readFile(join(dir, name), 'utf8'))) {
      const object = doc.toJS() as { kind: string; metadata: { name: string } };
      doc.commentBefore = null;
      const text = doc.toString({ lineWidth: 0 }).replace(/^---\n/, '');
      documents.push({ kind: object.kind, name: object.metadata.name, text });
    }
  }
  return documents;
}

function kindSection(kind: KindDefinition, example: Example, walkthrough: string): string {
  const root = crdSchema(kind);
  const shortNames = kind.shortNames.map((n) => `\`${n}\``).join(', ');
  const columns = kind.printerColumns.map((c) => c.name).join(', ');
  return [
    `## ${kind.kind}`,
    '',
    kind.description,
    '',
    `- API version: \`${API_VERSION}\`, scope: ${kind.scope}, plural: \`${kind.plural}\`, short names: ${shortNames}, category: \`daas\`.`,
    `- \`kubectl get ${kind.plural}\` columns: ${columns}.`,
    `- Name rule: ${kind.nameRule.message}.`,
    '',
    '### Worked example',
    '',
    '```yaml',
    example.text.trimEnd(),
    '```',
    '',
    walkthrough,
    '',
    '### spec',
    '',
    fieldTable(root, 'spec'),
    '',
    '### status',
    '',
    fieldTable(root, 'status'),
    '',
  ].join('\n');
}

/** The tables of docs/api-guide.md, each in place of a comment `<!-- generated from SOURCE -->`. */
const GENERATED_TABLES: Record<string, () => string> = {
  'crds/operator-rules.ts': operatorRulesTable,
  'crds/conditions.ts': conditionsTable,
  'crds/reasons.ts': reasonsTable,
  'crds/labels.ts': keysTable,
};

export async function renderApiReference(repoRoot: string): Promise<string> {
  const guideSource = await readFile(join(repoRoot, 'docs/api-guide.md'), 'utf8');
  let guide = guideSource;
  for (const [source, render] of Object.entries(GENERATED_TABLES)) {
    const placeholder = `<!-- generated from ${source} -->`;
    if (!guide.includes(placeholder)) throw new Error(`docs/api-guide.md lacks ${placeholder}`);
    guide = guide.replace(placeholder, render());
  }
  const examples = await exampleDocuments(repoRoot);
  const sections = KINDS.map((kind) => {
    const worked = WORKED_EXAMPLES[kind.kind];
    const example = examples.find((doc) => doc.kind === kind.kind && doc.name === worked?.name);
    if (!worked || !example) throw new Error(`examples/ has no worked example for ${kind.kind}`);
    return kindSection(kind, example, worked.walkthrough);
  });
  return [
    '<!-- Generated by `npm run generate` from docs/api-guide.md, crds/schema/*.ts and examples/. Do not edit. -->',
    '',
    guide.trimEnd(),
    '',
    '# Reference',
    '',
    ...sections,
  ].join('\n');
}
