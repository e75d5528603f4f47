// The image settings a running session keeps: recorded on its workload when it starts, read back on
// every pass, so a catalogue edit or deletion never touches a running session (it applies to the
// next start). Pure.
import { API_VERSION, IMAGE_SETTINGS_ANNOTATION, type SessionImage } from '../../crds/index.ts';
import { jsonEqual } from '../../runtime/equal.ts';
import type { KubeObject } from '../../runtime/resources.ts';

/** Where a pass takes the image settings from. */
export type ImageSource =
  /** The catalogue's (nothing runs, or what runs was built from the same settings). */
  | 'catalogue'
  /** The running workload's, which differ from the catalogue's. */
  | 'kept'
  /** The running workload's, whose image is no longer in the catalogue. */
  | 'gone';

/** The annotation that records `image` on a workload. */
export function imageSettingsAnnotation(image: SessionImage): Record<string, string> {
  return { [IMAGE_SETTINGS_ANNOTATION]: JSON.stringify({ name: image.metadata.name, spec: image.spec }) };
}

/** The image a workload recorded, when it is the one the session names (undefined: none, or unreadable). */
export function recordedImage(workload: KubeObject | undefined, imageName: string): SessionImage | undefined {
  const text = workload?.metadata.annotations?.[IMAGE_SETTINGS_ANNOTATION];
  if (!text || workload.metadata.deletionTimestamp) return undefined;
  try {
    const { name, spec } = JSON.parse(text) as { name?: unknown; spec?: unknown };
    if (name !== imageName || typeof spec !== 'object' || spec === null) return undefined;
    return {
      apiVersion: API_VERSION,
      kind: 'SessionImage',
      metadata: { name },
      spec: spec as SessionImage['spec'],
    };
  } catch {
    return undefined;
  }
}

/** The image a pass works with, and where it came from. */
export function sessionImage(
  recorded: SessionImage | undefined,
  catalogue: SessionImage | undefined,
): { image: SessionImage | undefined; source: ImageSource } {
  if (!recorded) return { image: catalogue, source: 'catalogue' };
  if (!catalogue) return { image: recorded, source: 'gone' };
  return jsonEqual(recorded.spec, catalogue.spec)
    ? { image: catalogue, source: 'catalogue' }
    : { image: recorded, source: 'kept' };
}
