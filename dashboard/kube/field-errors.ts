// The API server's refusal, turned into messages next to the form fields they name: a Status' causes
// carry `field` (spec.sharedWith, spec.resources.cpu ...), admission policies put the field at the
// start of their message ("spec.owner: must be ..."), and whatever names no field of the form is shown
// above it, in the API server's own words.
import { ApiError } from '../../runtime/errors.ts';

export interface FieldErrors {
  /** Form field name → message. */
  fields: Record<string, string>;
  /** Messages that name no field of the form. */
  general: string[];
}

/** API field path (without indexes: spec.data.mounts.subPath) → form field name. */
export type FieldMap = Record<string, string>;

/** `spec.data.mounts[0].subPath` → `spec.data.mounts.subPath` */
export const withoutIndexes = (path: string) => path.replace(/\[[^\]]*\]/g, '');

/** The form field for an API path: the longest mapped prefix of the path. */
export function formFieldOf(path: string, map: FieldMap): string | undefined {
  const parts = withoutIndexes(path).split('.');
  for (let n = parts.length; n > 0; n--) {
    const found = map[parts.slice(0, n).join('.')];
    if (found) return found;
  }
  return undefined;
}

/** The plain part of a field error: `Invalid value: "800h": must be ...` → `must be ...`. */
export function plainMessage(message: string): string {
  return (
    message
      .replace(/^Invalid value: (?:"(?:[^"\\]|\\.)*"|[A-Za-z0-9.]+|\{[^}]*\}|\[[^\]]*\]): /, '')
      .replace(/^Required value: /, 'required: ')
      // A schema pattern says little to a person; the hint beside the field shows the expected form.
      .replace(/^\S+ in body should match '.*'$/s, 'is not in the expected form')
      .trim()
  );
}

const ADMISSION_FIELD = /denied request: ((?:spec|metadata)\.[A-Za-z0-9.[\]]+): (.*)$/s;

export function fieldErrors(err: unknown, map: FieldMap): FieldErrors {
  const out: FieldErrors = { fields: {}, general: [] };
  const add = (path: string | undefined, message: string) => {
    const field = path ? formFieldOf(path, map) : undefined;
    if (field) out.fields[field] = out.fields[field] ? `${out.fields[field]}; ${message}` : message;
    else out.general.push(path ? `${path}: ${message}` : message);
  };
  if (!(err instanceof ApiError)) {
    out.general.push(err instanceof Error ? err.message : String(err));
    return out;
  }
  const status = err.status;
  const causes = (status?.details?.causes ?? []).filter((c) => c.message);
  if (causes.length > 0) {
    for (const cause of causes) add(cause.field, plainMessage(cause.message ?? ''));
    return out;
  }
  const message = status?.message ?? err.message;
  const admission = ADMISSION_FIELD.exec(message);
  if (admission?.[1] && admission[2]) add(admission[1], admission[2].trim());
  else out.general.push(message);
  return out;
}
