// What Argo CD or Flux do with the examples: apply them with server-side apply under their own field
// manager, again and again. The operator never takes a field the GitOps tool owns, so re-applying
// never conflicts, shows no difference, and costs the operator no write.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CONTROLLERS } from '../operator/controllers.ts';
import type { RunningOperator } from '../runtime/app.ts';
import { installCrds, kubectl } from '../crds/testing/api-server.ts';
import { eventually } from '../testing/kube.ts';
import { startTestOperator, writeRequests } from '../testing/operator.ts';
import { sleep } from '../runtime/time.ts';

const GITOPS_MANAGER = 'argocd-controller';
// The examples in a namespace of this test's own (the examples' own test uses proposal-mx-2451).
const NAMESPACE = `gitops-${Math.random().toString(16).slice(2, 8)}`;
let dir = '';
let operator: RunningOperator | undefined;

const sync = () => kubectl('apply', '--server-side', `--field-manager=${GITOPS_MANAGER}`, '-f', dir);

beforeAll(async () => {
  await installCrds();
  dir = await mkdtemp(join(tmpdir(), 'gitops-'));
  for (const file of (await readdir('examples')).filter((f) => f.endsWith('.yaml'))) {
    const text = await readFile(join('examples', file), 'utf8');
    await writeFile(join(dir, file), text.replaceAll('proposal-mx-2451', NAMESPACE));
  }
  await sync();
  operator = await startTestOperator([NAMESPACE], [], CONTROLLERS);
});

afterAll(async () => {
  await operator?.shutdown('test done');
  await kubectl('delete', 'namespace', NAMESPACE, '--wait=false', '--ignore-not-found');
  if (dir) await rm(dir, { recursive: true });
});

describe('a GitOps tool syncing the examples with server-side apply', () => {
  test('re-syncs without conflict or difference once the operator has converged, and the operator writes nothing', async () => {
    const running = operator;
    if (!running) throw new Error('no operator');
    await eventually(
      'every sample session settled',
      async () => {
        const phases = await kubectl(
          'get',
          'analysissessions',
          '-n',
          NAMESPACE,
          '-o',
          'jsonpath={.items[*].status.phase}',
        );
        const list = phases.split(' ').filter(Boolean);
        return list.length === 6 && list.every((p) => ['Running', 'Failed', 'Queued'].includes(p))
          ? list
          : undefined;
      },
      90_000,
    );
    await sleep(2_000); // the last status writes of the convergence (paced at most once a second)
    const before = await writeRequests(running);
    // Without --force-conflicts: a field the operator had taken would fail the sync here.
    await sync();
    await sync();
    expect(await kubectl('diff', '--server-side', `--field-manager=${GITOPS_MANAGER}`, '-f', dir)).toBe('');
    await sleep(3_000);
    expect(await writeRequests(running)).toBe(before);
  });
});
