// The RoleBindings the operator keeps in each proposal namespace: made when the namespace appears,
// restored after a hand edit or delete, and none in namespaces it is not limited to.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PROPOSAL_LABEL } from '../../crds/index.ts';
import { kubectl } from '../../crds/testing/api-server.ts';
import type { RunningOperator } from '../../runtime/app.ts';
import { createTestNamespace, eventually, testKubeConfig } from '../../testing/kube.ts';
import { startTestOperator } from '../../testing/operator.ts';
import { proposalAccessModule } from '../controllers.ts';

const kc = testKubeConfig();
let ns: { name: string; remove: () => Promise<void> };
let operator: RunningOperator;

const subjectsOf = async (name: string) =>
  kubectl('get', 'rolebinding', name, '-n', ns.name, '-o', 'jsonpath={.subjects[*].name}').catch(() => '');

beforeAll(async () => {
  ns = await createTestNamespace(kc, 'access', { [PROPOSAL_LABEL]: `MX-${randomBytes(2).toString('hex')}` });
  operator = await startTestOperator([ns.name], [], [proposalAccessModule]);
});

afterAll(async () => {
  await operator.shutdown('test done');
  await ns.remove();
});

describe('the proposal-access controller', () => {
  test('grants the operator and the dashboard their roles in the proposal namespace, and heals hand edits', async () => {
    await eventually('both bindings', async () =>
      (await subjectsOf('daas-operator-access')) === 'daas-operator' &&
      (await subjectsOf('daas-dashboard-access')) === 'daas-dashboard'
        ? true
        : undefined,
    );
    await kubectl('delete', 'rolebinding', 'daas-operator-access', '-n', ns.name);
    await eventually('the deleted binding back', async () =>
      (await subjectsOf('daas-operator-access')) === 'daas-operator' ? true : undefined,
    );
    await kubectl(
      'patch',
      'rolebinding',
      'daas-dashboard-access',
      '-n',
      ns.name,
      '--type=json',
      '-p',
      '[{"op":"replace","path":"/subjects/0/name","value":"mallory"}]',
    );
    await eventually('the edited binding restored', async () =>
      (await subjectsOf('daas-dashboard-access')) === 'daas-dashboard' ? true : undefined,
    );
    expect(await subjectsOf('daas-dashboard-access')).toBe('daas-dashboard');
  });
});
