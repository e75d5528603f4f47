// Whether a live child still holds what the operator wants: "desired is a subset of live", with the
// API server's defaulting in mind. Pure. Fields the operator leaves out may be defaulted or added by
// others; fields it sets must be there with an equal value, quantities compared by value.
import { compareQuantities, parseQuantity } from '../../runtime/quantity.ts';

/** Lists the API server (or its admission plugins) may append to: DefaultTolerationSeconds adds tolerations. */
const APPENDABLE_LISTS: ReadonlySet<string> = new Set(['tolerations']);
/** Quantity fields are normalised by the API server ("1000m" is stored as "1"). */
const QUANTITY_PARENTS: ReadonlySet<string> = new Set(['requests', 'limits', 'capacity']);
const QUANTITY_FIELDS: ReadonlySet<string> = new Set(['sizeLimit', 'storage']);

function sameQuantity(a: string, b: string): boolean {
  const x = parseQuantity(a);
  const y = parseQuantity(b);
  return x !== undefined && y !== undefined && compareQuantities(x, y) === 0;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The first path where `live` does not hold `desired` (undefined: it does). Objects: every field of
 * desired must match, extra live fields are defaults. Lists: the same length, element by element
 * (a rule added by hand to a NetworkPolicy counts), except lists the API server appends to.
 */
export function firstDifference(desired: unknown, live: unknown, path = '', parent = ''): string | undefined {
  if (desired === undefined) return undefined;
  const key = path.slice(path.lastIndexOf('.') + 1);
  if (Array.isArray(desired)) {
    if (!Array.isArray(live)) return path || '.';
    const appendable = APPENDABLE_LISTS.has(key);
    if (appendable ? live.length < desired.length : live.length !== desired.length) return path;
    for (const [i, d] of desired.entries()) {
      const diff = firstDifference(d, live[i], `${path}[${String(i)}]`, key);
      if (diff !== undefined) return diff;
    }
    return undefined;
  }
  if (isRecord(desired)) {
    if (!isRecord(live)) return path || '.';
    for (const [k, v] of Object.entries(desired)) {
      const diff = firstDifference(v, live[k], path ? `${path}.${k}` : k, key);
      if (diff !== undefined) return diff;
    }
    return undefined;
  }
  if (desired === live) return undefined;
  const quantity = QUANTITY_PARENTS.has(parent) || QUANTITY_FIELDS.has(key);
  if (
    quantity &&
    typeof live === 'string' &&
    (typeof desired === 'string' || typeof desired === 'number') &&
    sameQuantity(String(desired), live)
  )
    return undefined;
  return path || '.';
}

/** Whether every field `desired` sets is held by `live` (see firstDifference). */
export function holds(desired: unknown, live: unknown): boolean {
  return firstDifference(desired, live) === undefined;
}

/** The parts of an object a child's drift is judged on, apart from its metadata. */
function content(obj: Record<string, unknown>): Record<string, unknown> {
  const { apiVersion: _v, kind: _k, metadata: _m, status: _s, ...rest } = obj;
  return rest;
}

interface Meta {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: unknown[];
  generation?: number;
}

/** The metadata the operator owns on a child: its labels, annotations and owner. */
export function managedMetadata(meta: Meta): Meta {
  return {
    labels: meta.labels,
    annotations: meta.annotations,
    ...(meta.ownerReferences ? { ownerReferences: meta.ownerReferences } : {}),
  };
}

/**
 * What a pass must write to bring a live child back to the desired one.
 * - none: the live child holds every field the operator sets (a converged session writes nothing);
 * - apply: the operator's intent changed (the hash of what it last sent differs), or the content of a
 *   mutable child was changed by hand: server-side apply it;
 * - metadata: only the labels, annotations or owner of an immutable child differ: patch them in place;
 * - replace: an immutable child needs a new incarnation, because the intent changed its spec or its
 *   spec was edited after creation (generation > 1). A spec that differs only because admission
 *   mutated it at creation (generation 1, same intent) is left alone: replacing it would loop.
 */
export type Repair = 'none' | 'apply' | 'metadata' | 'replace';

export function repairOf(
  desired: { metadata: Meta } & Record<string, unknown>,
  live: { metadata: Meta } & Record<string, unknown>,
  options: { immutable: boolean; hashKey: string; replace?: boolean },
): Repair {
  const intentChanged =
    desired.metadata.annotations?.[options.hashKey] !== live.metadata.annotations?.[options.hashKey];
  const metadataHeld = holds(managedMetadata(desired.metadata), live.metadata);
  const contentHeld = holds(content(desired), content(live));
  if (!options.immutable) return intentChanged || !metadataHeld || !contentHeld ? 'apply' : 'none';
  if (options.replace) return 'replace';
  const editedAfterCreation = (live.metadata.generation ?? 1) > 1;
  if (!contentHeld && (intentChanged || editedAfterCreation)) return 'replace';
  return metadataHeld ? 'none' : 'metadata';
}
