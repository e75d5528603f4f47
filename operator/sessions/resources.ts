// Effective resources of a session: the user's request, else the image default, else a floor, each
// checked against the image maximum with exact quantity arithmetic.
//
// Floors, used only when neither the session nor the image says anything: cpu 1, memory 2Gi, no
// scratch disk limit, no GPUs. A floor larger than the image maximum is lowered to that maximum:
// the admin forgot a default, the user asked for nothing, so neither deserves a refusal.
import type { AnalysisSession, SessionImage } from '../../crds/index.ts';
import { MAX_CPU, MAX_DISK, MAX_MEMORY } from '../../crds/schema/resources.ts';
import { compareQuantities, isPositive, parseQuantity, quantityString } from '../../runtime/quantity.ts';
import { refuse, type EffectiveResources, type Result } from './types.ts';

export const RESOURCE_FLOOR = { cpu: '1', memory: '2Gi' } as const;
export const DEFAULT_GPU_RESOURCE = 'nvidia.com/gpu';

type Kind = 'cpu' | 'memory' | 'disk';
const ABSOLUTE_MAX: Record<Kind, string> = { cpu: MAX_CPU, memory: MAX_MEMORY, disk: MAX_DISK };

function quantityFor(kind: Kind, image: SessionImage, session: AnalysisSession): Result<string | undefined> {
  const field = `spec.resources.${kind}`;
  const imageName = image.metadata.name;
  const requested = session.spec.resources?.[kind];
  const imageDefault = image.spec.resources?.default?.[kind];
  const rawMax = image.spec.resources?.max?.[kind];
  const max = rawMax === undefined ? undefined : parseQuantity(rawMax);
  if (rawMax !== undefined && !max)
    return refuse(
      'ImageMisconfigured',
      field,
      `image ${imageName} has an invalid maximum ${kind} "${rawMax}"`,
    );

  let value: string;
  let fromImage = false;
  if (requested !== undefined) value = quantityString(requested);
  else if (imageDefault !== undefined) {
    value = quantityString(imageDefault);
    fromImage = true;
  } else if (kind === 'disk') return { ok: true, value: undefined };
  else {
    const floor = RESOURCE_FLOOR[kind];
    const lower = max && compareQuantities(max, parseQuantity(floor) as NonNullable<typeof max>) < 0;
    return { ok: true, value: lower && rawMax !== undefined ? quantityString(rawMax) : floor };
  }

  const parsed = parseQuantity(value);
  const who = fromImage ? `image ${imageName}'s default ${kind}` : kind;
  if (!parsed || !isPositive(parsed)) {
    const reason = fromImage ? 'ImageMisconfigured' : 'InvalidResources';
    return refuse(
      reason,
      field,
      `${who} "${value}" must be a positive Kubernetes quantity such as 2, 500m or 4Gi`,
    );
  }
  if (max && compareQuantities(parsed, max) > 0) {
    const maxText = quantityString(rawMax ?? '');
    return fromImage
      ? refuse('ImageMisconfigured', field, `${who} ${value} exceeds its maximum ${maxText}`)
      : refuse(
          'ResourcesExceedImageMaximum',
          field,
          `asks for ${kind} ${value}; image ${imageName} allows at most ${maxText}`,
        );
  }
  const absolute = parseQuantity(ABSOLUTE_MAX[kind]);
  if (absolute && compareQuantities(parsed, absolute) > 0)
    return refuse(
      'InvalidResources',
      field,
      `${who} ${value} is more than any session may have (${ABSOLUTE_MAX[kind]})`,
    );
  return { ok: true, value };
}

function gpusFor(image: SessionImage, session: AnalysisSession): Result<number> {
  const field = 'spec.resources.gpus';
  const imageName = image.metadata.name;
  const requested = session.spec.resources?.gpus;
  const imageDefault = image.spec.resources?.default?.gpus;
  const gpus = requested ?? imageDefault ?? 0;
  // An image without a GPU maximum offers at most its default (usually none).
  const max = image.spec.resources?.max?.gpus ?? imageDefault ?? 0;
  if (!Number.isInteger(gpus) || gpus < 0)
    return refuse('InvalidResources', field, `GPUs must be a whole number of 0 or more, not ${String(gpus)}`);
  if (gpus > max) {
    const asks = `asks for ${String(gpus)} GPU${gpus === 1 ? '' : 's'}`;
    if (requested === undefined)
      return refuse(
        'ImageMisconfigured',
        field,
        `image ${imageName}'s default of ${String(gpus)} GPUs exceeds its maximum ${String(max)}`,
      );
    return max === 0
      ? refuse('ResourcesExceedImageMaximum', field, `${asks}; image ${imageName} does not offer GPUs`)
      : refuse(
          'ResourcesExceedImageMaximum',
          field,
          `${asks}; image ${imageName} allows at most ${String(max)}`,
        );
  }
  return { ok: true, value: gpus };
}

export function effectiveResources(
  image: SessionImage,
  session: AnalysisSession,
): Result<EffectiveResources> {
  const cpu = quantityFor('cpu', image, session);
  if (!cpu.ok) return cpu;
  const memory = quantityFor('memory', image, session);
  if (!memory.ok) return memory;
  const disk = quantityFor('disk', image, session);
  if (!disk.ok) return disk;
  const gpus = gpusFor(image, session);
  if (!gpus.ok) return gpus;
  const value: EffectiveResources = {
    cpu: cpu.value ?? RESOURCE_FLOOR.cpu,
    memory: memory.value ?? RESOURCE_FLOOR.memory,
    gpus: gpus.value,
    gpuResourceName: image.spec.resources?.gpuResourceName ?? DEFAULT_GPU_RESOURCE,
  };
  if (disk.value !== undefined) value.disk = disk.value;
  return { ok: true, value };
}
