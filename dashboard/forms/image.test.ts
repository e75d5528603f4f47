import { describe, expect, it } from 'vitest';
import type { SessionImage } from '../../crds/index.ts';
import { imageFormValues, imageSpecPatch, newImageFromForm } from './image.ts';

const form = {
  name: 'fiji',
  displayName: 'Fiji desktop',
  description: '',
  image: 'quay.io/facility/fiji:1.54',
  protocol: 'vnc',
  port: '5901',
  basePath: '/ignored/',
  defaultCpu: '2',
  defaultMemory: '8Gi',
  defaultDisk: '',
  maxCpu: '8',
  maxMemory: '32Gi',
  maxDisk: '',
  maxGpus: '',
  gpuResourceName: '',
  defaultLifetime: '8h',
  maxLifetime: '72h',
  idleTimeout: '2h',
  everyone: 'on',
};

describe('the image form', () => {
  it('creates a container image with only the fields filled in', () => {
    expect(newImageFromForm(form)).toEqual({
      apiVersion: 'daas.calipsoplus.eu/v1alpha1',
      kind: 'SessionImage',
      metadata: { name: 'fiji' },
      spec: {
        displayName: 'Fiji desktop',
        container: { image: 'quay.io/facility/fiji:1.54' },
        access: { protocol: 'vnc', port: 5901 },
        resources: { default: { cpu: 2, memory: '8Gi' }, max: { cpu: 8, memory: '32Gi' } },
        lifecycle: { defaultLifetime: '8h', maxLifetime: '72h', idleTimeout: '2h' },
        availability: { everyone: true },
        runtime: 'container',
        activity: { signal: 'connections' },
      },
    });
  });

  it('patches emptied fields away and reads an image back into the form', () => {
    const patch = imageSpecPatch({ ...form, maxCpu: '' });
    expect(patch.resources.max).toEqual({ cpu: null, memory: '32Gi', disk: null, gpus: null });
    expect(patch.access.basePath).toBeNull();
    const image = {
      metadata: { name: 'fiji' },
      spec: newImageFromForm(form).spec,
    } as unknown as SessionImage;
    expect(imageFormValues(image)).toMatchObject({ ...form, basePath: '', maxGpus: '' });
  });
});
