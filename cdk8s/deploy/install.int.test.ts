// deploy/ as a site applies it: install.yaml twice with nothing changed the second time, and the
// example kustomize overlay accepted by the API server.
import { describe, expect, test } from 'vitest';
import { kubectl } from '../../crds/testing/api-server.ts';
import { applyInstall } from './testing.ts';

/** kind/namespace/name -> generation (which moves only when a spec changes; status writes do not). */
async function generations(): Promise<Map<string, string>> {
  const out = await kubectl(
    'get',
    '-f',
    'deploy/install.yaml',
    '-o',
    'jsonpath={range .items[*]}{.kind}/{.metadata.namespace}/{.metadata.name}={.metadata.generation}{"\\n"}{end}',
  );
  return new Map(out.trim().split('\n').map((line) => line.split('=') as [string, string]));
}

describe('deploy/install.yaml', () => {
  test('applies with no error, and applying it again changes nothing', async () => {
    await applyInstall();
    const before = await generations();
    expect(before.size).toBeGreaterThan(20);
    expect([...before.keys()]).toContain('Deployment/daas-system/daas-operator');
    await applyInstall();
    expect(await generations()).toEqual(before);
    // And what a GitOps tool would see: no difference between the file and the cluster.
    expect(await kubectl('diff', '--server-side', '--field-manager=daas-install', '-f', 'deploy/install.yaml')).toBe('');
  });

  test('the example overlay passes a server-side dry run', async () => {
    await applyInstall();
    const out = await kubectl('apply', '--server-side', '--field-manager=daas-install', '--dry-run=server', '-k', 'examples/kustomize-overlay');
    expect(out).toContain('deployment.apps/daas-operator serverside-applied (server dry run)');
  });
});
