// The launch form → an AnalysisSession, as the user asks for it. Values are passed on as typed, so
// the API server's validation (CEL, patterns, bounds) judges them and its words reach the page; the
// only check made here is the one the API server cannot make: the image's maxima.
import { API_VERSION, type SessionImage } from '../../crds/index.ts';
import { compareQuantities, parseQuantity } from '../../runtime/quantity.ts';
import type { FieldMap } from '../kube/field-errors.ts';

export type FormBody = Record<string, unknown>;

export const text = (body: FormBody, name: string): string => {
  const v = body[name];
  return typeof v === 'string' ? v.trim() : '';
};

/** Whole numbers become numbers (the schema wants integers); anything else is left for the API server to refuse. */
const intOrText = (value: string) => (/^\d+$/.test(value) ? Number(value) : value);

export const userList = (value: string) =>
  value
    .split(/[\s,]+/)
    .map((u) => u.trim())
    .filter(Boolean);

/** API paths of the session → the launch form's fields (for the API server's refusals). */
export const LAUNCH_FIELDS: FieldMap = {
  'spec.displayName': 'displayName',
  'spec.resources.cpu': 'cpu',
  'spec.resources.memory': 'memory',
  'spec.resources.disk': 'disk',
  'spec.resources.gpus': 'gpus',
  'spec.lifetime': 'lifetime',
  'spec.idleTimeout': 'lifetime',
  'spec.data.mounts.experimentSession': 'experimentSession',
  'spec.data.mounts.subPath': 'subPath',
  'spec.data.mounts': 'experimentSession',
  'spec.sharedWith': 'sharedWith',
};

export interface LaunchRequest {
  namespace: string;
  proposal: string;
  owner: string;
  image: SessionImage;
  body: FormBody;
}

export function sessionFromForm(r: LaunchRequest) {
  const b = r.body;
  const resources: Record<string, string | number> = {};
  for (const name of ['cpu', 'memory', 'disk'] as const) {
    const v = text(b, name);
    if (v) resources[name] = intOrText(v);
  }
  const gpus = text(b, 'gpus');
  if (gpus && gpus !== '0') resources.gpus = intOrText(gpus);
  const experimentSession = text(b, 'experimentSession');
  const subPath = text(b, 'subPath');
  const wholeProposal = text(b, 'wholeProposal') === 'on';
  const data =
    experimentSession || subPath || wholeProposal
      ? {
          ...(wholeProposal ? { wholeProposal } : {}),
          ...(experimentSession || subPath
            ? {
                mounts: [
                  {
                    name: 'data',
                    ...(experimentSession ? { experimentSession } : {}),
                    ...(subPath ? { subPath } : {}),
                  },
                ],
              }
            : {}),
        }
      : undefined;
  const sharedWith = userList(text(b, 'sharedWith'));
  const displayName = text(b, 'displayName');
  const lifetime = text(b, 'lifetime');
  const imageName = r.image.metadata.name;
  return {
    apiVersion: API_VERSION,
    kind: 'AnalysisSession',
    metadata: { generateName: `${imageName.slice(0, 40)}-`, namespace: r.namespace },
    spec: {
      image: imageName,
      owner: r.owner,
      proposal: r.proposal,
      ...(displayName ? { displayName } : {}),
      ...(Object.keys(resources).length ? { resources } : {}),
      ...(lifetime ? { lifetime } : {}),
      ...(data ? { data } : {}),
      ...(sharedWith.length ? { sharedWith } : {}),
    },
  };
}

/** Requests above the image's maxima, by form field (the operator would refuse them later). */
export function aboveMaxima(body: FormBody, image: SessionImage): Record<string, string> {
  const max = image.spec.resources?.max ?? {};
  const out: Record<string, string> = {};
  for (const name of ['cpu', 'memory', 'disk'] as const) {
    const limit = max[name];
    const asked = parseQuantity(text(body, name));
    const most = limit === undefined ? undefined : parseQuantity(limit);
    if (asked && most && compareQuantities(asked, most) > 0)
      out[name] = `at most ${String(limit)} for ${image.spec.displayName}`;
  }
  const gpus = Number(text(body, 'gpus') || '0');
  const maxGpus = max.gpus ?? 0;
  if (Number.isInteger(gpus) && gpus > maxGpus)
    out.gpus =
      maxGpus === 0
        ? `${image.spec.displayName} offers no GPUs`
        : `at most ${String(maxGpus)} for ${image.spec.displayName}`;
  return out;
}
