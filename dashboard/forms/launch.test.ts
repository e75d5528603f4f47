import { describe, expect, it } from 'vitest';
import type { SessionImage } from '../../crds/index.ts';
import { aboveMaxima, sessionFromForm } from './launch.ts';

const image = {
  metadata: { name: 'jupyter-scipy' },
  spec: { displayName: 'Jupyter SciPy', resources: { max: { cpu: 16, memory: '64Gi', gpus: 1 } } },
} as unknown as SessionImage;
const launch = (body: Record<string, string>) =>
  sessionFromForm({ namespace: 'proposal-mx-2451', proposal: 'MX-2451', owner: 'akowalska', image, body });

describe('the launch form', () => {
  it('builds the session the user asked for, as the user', () => {
    expect(
      launch({
        displayName: ' run 3 ',
        cpu: '4',
        memory: '16Gi',
        gpus: '1',
        lifetime: '8h',
        experimentSession: '2025-03-12',
        subPath: 'raw/sample_A',
        wholeProposal: 'on',
        sharedWith: 'mkowalski, jdupont',
      }),
    ).toEqual({
      apiVersion: 'daas.calipsoplus.eu/v1alpha1',
      kind: 'AnalysisSession',
      metadata: { generateName: 'jupyter-scipy-', namespace: 'proposal-mx-2451' },
      spec: {
        image: 'jupyter-scipy',
        owner: 'akowalska',
        proposal: 'MX-2451',
        displayName: 'run 3',
        resources: { cpu: 4, memory: '16Gi', gpus: 1 },
        lifetime: '8h',
        data: {
          wholeProposal: true,
          mounts: [{ name: 'data', experimentSession: '2025-03-12', subPath: 'raw/sample_A' }],
        },
        sharedWith: ['mkowalski', 'jdupont'],
      },
    });
  });

  it('leaves empty fields to the image defaults and passes odd values on for the API server to judge', () => {
    expect(launch({ cpu: '', gpus: '0', lifetime: '' }).spec).toEqual({
      image: 'jupyter-scipy',
      owner: 'akowalska',
      proposal: 'MX-2451',
    });
    expect(launch({ cpu: 'lots' }).spec.resources).toEqual({ cpu: 'lots' });
  });

  it("names the fields above the image's maxima", () => {
    expect(aboveMaxima({ cpu: '32', memory: '64Gi', gpus: '2' }, image)).toEqual({
      cpu: 'at most 16 for Jupyter SciPy',
      gpus: 'at most 1 for Jupyter SciPy',
    });
    expect(aboveMaxima({ cpu: '500m', memory: '1Gi' }, image)).toEqual({});
  });
});
