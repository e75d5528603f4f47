// API objects as tests and benchmarks create them: a catalogue image and a session, with the few
// fields each caller changes. No test-runner import, so the benchmarks use it too.
import { GROUP, VERSION } from '../crds/index.ts';

export const TEST_CONTAINER_IMAGE = 'quay.io/jupyter/scipy-notebook:2025-06-02';

/** A SessionImage everyone may use: a Jupyter container by default; `spec` overrides top-level fields. */
export function sessionImageObject(name: string, spec: Record<string, unknown> = {}) {
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'SessionImage',
    metadata: { name },
    spec: {
      displayName: name,
      runtime: 'container',
      container: { image: TEST_CONTAINER_IMAGE },
      access: { protocol: 'http', port: 8888 },
      resources: { default: { cpu: 1, memory: '2Gi' }, max: { cpu: 2, memory: '4Gi' } },
      lifecycle: { defaultLifetime: '1h', maxLifetime: '2h' },
      availability: { everyone: true },
      ...spec,
    },
  };
}

/** An AnalysisSession as a user writes it. */
export function analysisSessionObject(name: string, spec: Record<string, unknown>) {
  return { apiVersion: `${GROUP}/${VERSION}`, kind: 'AnalysisSession', metadata: { name }, spec };
}
