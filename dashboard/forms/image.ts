// The admin's image form ↔ a SessionImage (container or vm runtime; the VM part is vm-image.ts). Editing sends a merge patch of the
// fields the form shows (emptied ones as null, so they are removed), which keeps everything else of
// the image (env, args, scheduling...) as it was. Values go to the API server as typed: its schema
// and CEL rules judge them, and their messages land next to these fields.
import { API_VERSION, type SessionImage } from '../../crds/index.ts';
import type { FieldMap } from '../kube/field-errors.ts';
import { text, type FormBody } from './launch.ts';
import { VM_FIELDS, vmFormValues, vmSpecPatch } from './vm-image.ts';

export type Runtime = 'container' | 'vm';

/** The runtime a new image's form asks for (`vm` or else container). */
export const runtimeOf = (value: unknown): Runtime => (value === 'vm' ? 'vm' : 'container');

export const IMAGE_FIELDS: FieldMap = {
  ...VM_FIELDS,
  'metadata.name': 'name',
  'spec.runtime': 'runtime',
  'spec.displayName': 'displayName',
  'spec.description': 'description',
  'spec.container.image': 'image',
  'spec.container': 'image',
  'spec.access.protocol': 'protocol',
  'spec.access.port': 'port',
  'spec.access.basePath': 'basePath',
  'spec.access': 'protocol',
  'spec.resources.default.cpu': 'defaultCpu',
  'spec.resources.default.memory': 'defaultMemory',
  'spec.resources.default.disk': 'defaultDisk',
  'spec.resources.default.gpus': 'maxGpus',
  'spec.resources.max.cpu': 'maxCpu',
  'spec.resources.max.memory': 'maxMemory',
  'spec.resources.max.disk': 'maxDisk',
  'spec.resources.max.gpus': 'maxGpus',
  'spec.resources.gpuResourceName': 'gpuResourceName',
  'spec.lifecycle.defaultLifetime': 'defaultLifetime',
  'spec.lifecycle.maxLifetime': 'maxLifetime',
  'spec.lifecycle.idleTimeout': 'idleTimeout',
  'spec.lifecycle.expiryWarning': 'defaultLifetime',
};

/** The form's fields of an image, as text (for editing). */
export function imageFormValues(image: SessionImage): Record<string, string> {
  const s = image.spec;
  const str = (v: string | number | undefined) => (v === undefined ? '' : String(v));
  return {
    ...(s.runtime === 'vm' ? vmFormValues(image) : {}),
    runtime: s.runtime,
    name: image.metadata.name,
    displayName: s.displayName,
    description: s.description ?? '',
    image: s.container?.image ?? '',
    protocol: s.access.protocol,
    port: String(s.access.port),
    basePath: s.access.basePath ?? '',
    defaultCpu: str(s.resources?.default?.cpu),
    defaultMemory: str(s.resources?.default?.memory),
    defaultDisk: str(s.resources?.default?.disk),
    maxCpu: str(s.resources?.max?.cpu),
    maxMemory: str(s.resources?.max?.memory),
    maxDisk: str(s.resources?.max?.disk),
    maxGpus: str(s.resources?.max?.gpus),
    gpuResourceName: s.resources?.gpuResourceName ?? '',
    defaultLifetime: s.lifecycle.defaultLifetime,
    maxLifetime: s.lifecycle.maxLifetime,
    idleTimeout: s.lifecycle.idleTimeout ?? '',
    everyone: s.availability?.everyone ? 'on' : '',
  };
}

const num = (v: string) => (/^\d+$/.test(v) ? Number(v) : v);
/** Empty: null in a patch (remove the field), left out on create. */
const orNull = (v: string, convert: (v: string) => unknown = (x) => x) => (v ? convert(v) : null);

function amounts(body: FormBody, prefix: 'default' | 'max') {
  return {
    cpu: orNull(text(body, `${prefix}Cpu`), num),
    memory: orNull(text(body, `${prefix}Memory`)),
    disk: orNull(text(body, `${prefix}Disk`)),
  };
}

/** The spec fields the form owns, with null for emptied ones. */
export function imageSpecPatch(body: FormBody, runtime: Runtime = 'container') {
  const protocol = text(body, 'protocol');
  return {
    displayName: text(body, 'displayName'),
    description: orNull(text(body, 'description')),
    ...(runtime === 'vm' ? vmSpecPatch(body) : { container: { image: text(body, 'image') } }),
    access: {
      protocol,
      port: num(text(body, 'port')),
      basePath: protocol === 'http' ? orNull(text(body, 'basePath')) : null,
    },
    resources: {
      default: amounts(body, 'default'),
      max: { ...amounts(body, 'max'), gpus: orNull(text(body, 'maxGpus'), num) },
      gpuResourceName: orNull(text(body, 'gpuResourceName')),
    },
    lifecycle: {
      defaultLifetime: text(body, 'defaultLifetime'),
      maxLifetime: text(body, 'maxLifetime'),
      idleTimeout: orNull(text(body, 'idleTimeout')),
    },
    availability: { everyone: text(body, 'everyone') === 'on' },
  };
}

/** Drops nulls (and objects left empty): the create body. */
export function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === null) continue;
    const inner = withoutNulls(v);
    if (inner && typeof inner === 'object' && !Array.isArray(inner) && Object.keys(inner).length === 0)
      continue;
    out[k] = inner;
  }
  return out;
}

export function newImageFromForm(body: FormBody) {
  const runtime = runtimeOf(body.runtime);
  const spec = withoutNulls(imageSpecPatch(body, runtime)) as Record<string, unknown>;
  // A new image with an idle timeout needs an activity signal; http images are Jupyter servers here.
  const activity = text(body, 'idleTimeout')
    ? { activity: { signal: text(body, 'protocol') === 'http' ? 'jupyter' : 'connections' } }
    : {};
  return {
    apiVersion: API_VERSION,
    kind: 'SessionImage',
    metadata: { name: text(body, 'name') },
    spec: { ...spec, runtime, ...activity },
  };
}
