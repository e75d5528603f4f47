import { describe, expect, it } from 'vitest';
import { IMAGE_SETTINGS_ANNOTATION } from '../../crds/index.ts';
import type { KubeObject } from '../../runtime/resources.ts';
import { image } from './fixtures.ts';
import { imageSettingsAnnotation, recordedImage, sessionImage } from './image-settings.ts';

const pod = (annotations: Record<string, string>, deleting = false): KubeObject => ({
  metadata: {
    name: 'daas-x',
    annotations,
    ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
  },
});

describe('image settings kept by a running workload', () => {
  const started = image('jupyter');
  const edited = image('jupyter', { resources: { max: { cpu: 1, memory: '1Gi' } } });

  it('reads back what the workload recorded, for the image the session names', () => {
    const recorded = pod(imageSettingsAnnotation(started));
    expect(recordedImage(recorded, 'jupyter')).toEqual(started);
    expect(recordedImage(recorded, 'another')).toBeUndefined();
    expect(recordedImage(pod(imageSettingsAnnotation(started), true), 'jupyter')).toBeUndefined();
    expect(recordedImage(pod({ [IMAGE_SETTINGS_ANNOTATION]: '{not json' }), 'jupyter')).toBeUndefined();
    expect(recordedImage(undefined, 'jupyter')).toBeUndefined();
  });

  it("keeps the recorded settings while they differ from the catalogue's, or the image is gone", () => {
    expect(sessionImage(undefined, edited)).toEqual({ image: edited, source: 'catalogue' });
    expect(sessionImage(started, image('jupyter'))).toEqual({ image: image('jupyter'), source: 'catalogue' });
    expect(sessionImage(started, edited)).toEqual({ image: started, source: 'kept' });
    expect(sessionImage(started, undefined)).toEqual({ image: started, source: 'gone' });
  });
});
