import { describe, expect, it } from 'vitest';
import { directAccess } from '../access/direct.ts';
import { jupyterImage, session } from '../fixtures.ts';
import type { WorkloadDiagnosis } from '../workloads/types.ts';
import { accessStep } from './access.ts';

async function sessionEndpoint(
  s: ReturnType<typeof session>,
  image: typeof jupyterImage,
  workload: WorkloadDiagnosis,
  credentialsSecretName: string,
) {
  const outcome = await accessStep({
    providers: [directAccess],
    session: s,
    image,
    workload,
    secretName: credentialsSecretName,
  });
  return outcome?.endpoint;
}

describe('session endpoint', () => {
  it('is the pod IP, port and per-session URL, naming the Secret rather than holding it', async () => {
    const e = await sessionEndpoint(
      session('quick-look'),
      jupyterImage,
      { state: 'Running', ready: true, address: '127.9.1.4', message: 'up' },
      'daas-quick-look',
    );
    expect(e).toEqual({
      protocol: 'http',
      host: '127.9.1.4',
      port: 8888,
      credentialsSecretName: 'daas-quick-look',
      url: 'http://127.9.1.4:8888/sessions/quick-look/',
    });
  });

  it('does not exist before the pod is ready', async () => {
    expect(
      await sessionEndpoint(
        session(),
        jupyterImage,
        { state: 'Running', ready: false, address: '127.9.1.4', message: 'starting' },
        'x',
      ),
    ).toBeUndefined();
    expect(await sessionEndpoint(session(), jupyterImage, { state: 'Absent' }, 'x')).toBeUndefined();
  });
});
