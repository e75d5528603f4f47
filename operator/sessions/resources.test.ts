import { describe, expect, it } from 'vitest';
import { gpuImage, image, jupyterImage, session, vncImage } from './fixtures.ts';
import { effectiveResources } from './resources.ts';

describe('effectiveResources', () => {
  it('takes the image defaults when the session asks for nothing', () => {
    expect(effectiveResources(jupyterImage, session())).toEqual({
      ok: true,
      value: { cpu: '2', memory: '8Gi', disk: '20Gi', gpus: 0, gpuResourceName: 'nvidia.com/gpu' },
    });
  });

  it("takes the user's request over the default, per resource", () => {
    const result = effectiveResources(
      jupyterImage,
      session('s', { resources: { cpu: '500m', memory: '16Gi' } }),
    );
    expect(result).toEqual({
      ok: true,
      value: { cpu: '500m', memory: '16Gi', disk: '20Gi', gpus: 0, gpuResourceName: 'nvidia.com/gpu' },
    });
  });

  it('falls back to the floor (cpu 1, memory 2Gi, no disk, no GPUs) without defaults', () => {
    const bare = image('bare', { resources: { max: { cpu: 4 } } });
    expect(effectiveResources(bare, session())).toEqual({
      ok: true,
      value: { cpu: '1', memory: '2Gi', gpus: 0, gpuResourceName: 'nvidia.com/gpu' },
    });
  });

  it('lowers the floor to a smaller image maximum instead of refusing', () => {
    const tiny = image('tiny', { resources: { max: { cpu: '500m', memory: '1Gi' } } });
    const result = effectiveResources(tiny, session());
    expect(result.ok && result.value).toMatchObject({ cpu: '500m', memory: '1Gi' });
  });

  it('gives GPU images their GPUs and resource name', () => {
    const result = effectiveResources(gpuImage, session('s', { resources: { gpus: 2 } }, 'jupyter-gpu'));
    expect(result.ok && result.value).toMatchObject({ gpus: 2, gpuResourceName: 'nvidia.com/gpu', cpu: '4' });
    const amd = image('amd', { resources: { max: { gpus: 1 }, gpuResourceName: 'amd.com/gpu' } });
    const amdResult = effectiveResources(amd, session('s', { resources: { gpus: 1 } }));
    expect(amdResult.ok && amdResult.value).toMatchObject({ gpus: 1, gpuResourceName: 'amd.com/gpu' });
  });

  it('accepts requests exactly at the maximum, in any unit', () => {
    for (const memory of ['64Gi', '65536Mi', '68719476736']) {
      expect(effectiveResources(jupyterImage, session('s', { resources: { memory } })).ok).toBe(true);
    }
    expect(effectiveResources(jupyterImage, session('s', { resources: { cpu: '16000m' } })).ok).toBe(true);
  });

  const refusals: [string, Parameters<typeof session>[1], typeof jupyterImage, string, string, string][] = [
    [
      'too many GPUs',
      { resources: { gpus: 8 } },
      gpuImage,
      'ResourcesExceedImageMaximum',
      'spec.resources.gpus',
      'asks for 8 GPUs; image jupyter-gpu allows at most 2',
    ],
    [
      'GPUs on an image without any',
      { resources: { gpus: 1 } },
      jupyterImage,
      'ResourcesExceedImageMaximum',
      'spec.resources.gpus',
      'asks for 1 GPU; image jupyter-scipy does not offer GPUs',
    ],
    [
      'more cpu than the maximum',
      { resources: { cpu: '16001m' } },
      jupyterImage,
      'ResourcesExceedImageMaximum',
      'spec.resources.cpu',
      'asks for cpu 16001m; image jupyter-scipy allows at most 16',
    ],
    [
      'more memory than the maximum',
      { resources: { memory: '65Gi' } },
      jupyterImage,
      'ResourcesExceedImageMaximum',
      'spec.resources.memory',
      'asks for memory 65Gi; image jupyter-scipy allows at most 64Gi',
    ],
    [
      'more memory in decimal units',
      { resources: { memory: '69G' } },
      jupyterImage,
      'ResourcesExceedImageMaximum',
      'spec.resources.memory',
      'asks for memory 69G; image jupyter-scipy allows at most 64Gi',
    ],
    [
      'more disk than the maximum',
      { resources: { disk: '1e12' } },
      jupyterImage,
      'ResourcesExceedImageMaximum',
      'spec.resources.disk',
      'asks for disk 1e12; image jupyter-scipy allows at most 80Gi',
    ],
    [
      'more cpu than any session may have, on an image without a maximum',
      { resources: { cpu: '1000' } },
      vncImage,
      'ResourcesExceedImageMaximum',
      'spec.resources.cpu',
      'asks for cpu 1000; image xfce-desktop allows at most 8',
    ],
  ];

  it.each(refusals)(
    'refuses %s with a message naming the field',
    (_what, spec, img, reason, field, message) => {
      expect(effectiveResources(img, session('s', spec))).toEqual({
        ok: false,
        error: { reason, field, message },
      });
    },
  );

  it('refuses a request above the absolute bound when the image sets no maximum', () => {
    const unbounded = image('unbounded');
    expect(effectiveResources(unbounded, session('s', { resources: { cpu: '300' } }))).toEqual({
      ok: false,
      error: {
        reason: 'InvalidResources',
        field: 'spec.resources.cpu',
        message: 'cpu 300 is more than any session may have (256)',
      },
    });
  });

  it('re-checks what the CRD validates: zero and malformed quantities', () => {
    // Objects built without the API server (e.g. by a portal's fake) can carry anything.
    const s = session();
    s.spec.resources = { cpu: '0' };
    const zero = effectiveResources(jupyterImage, s);
    expect(zero.ok || zero.error).toMatchObject({ reason: 'InvalidResources', field: 'spec.resources.cpu' });
    s.spec.resources = { memory: 'lots' };
    const bad = effectiveResources(jupyterImage, s);
    expect(bad.ok || bad.error.message).toBe(
      'memory "lots" must be a positive Kubernetes quantity such as 2, 500m or 4Gi',
    );
  });

  it("blames the image, not the user, for a default above the image's own maximum", () => {
    const broken = structuredClone(jupyterImage);
    broken.spec.resources = { default: { cpu: 32 }, max: { cpu: 16 }, gpuResourceName: 'nvidia.com/gpu' };
    const result = effectiveResources(broken, session());
    expect(result.ok || result.error).toEqual({
      reason: 'ImageMisconfigured',
      field: 'spec.resources.cpu',
      message: "image jupyter-scipy's default cpu 32 exceeds its maximum 16",
    });
  });
});
