import { describe, expect, test } from 'vitest';
import { bindingMatches, proposalAccessBindings, PROPOSAL_ROLES } from './access.ts';

const config = {
  operatorNamespace: 'daas-system',
  gatewayNamespace: 'daas-system',
  operatorServiceAccount: 'daas-operator',
  gatewayServiceAccount: 'daas-dashboard',
};

describe('the RoleBindings of a proposal namespace', () => {
  test('bind each component to its proposal role, under deterministic names', () => {
    const [operator, dashboard] = proposalAccessBindings('proposal-mx-2451', config);
    expect(operator?.metadata).toMatchObject({ name: 'daas-operator-access', namespace: 'proposal-mx-2451' });
    expect(operator?.roleRef).toMatchObject({ kind: 'ClusterRole', name: PROPOSAL_ROLES.operator });
    expect(operator?.subjects).toEqual([
      { kind: 'ServiceAccount', namespace: 'daas-system', name: 'daas-operator' },
    ]);
    expect(dashboard?.subjects).toEqual([
      { kind: 'ServiceAccount', namespace: 'daas-system', name: 'daas-dashboard' },
    ]);
  });

  test('match a live binding only when it grants the same role to the same accounts', () => {
    const [desired] = proposalAccessBindings('p', config);
    if (!desired) throw new Error('no binding');
    expect(
      bindingMatches({ ...desired, metadata: { ...desired.metadata, resourceVersion: '7' } }, desired),
    ).toBe(true);
    expect(bindingMatches(undefined, desired)).toBe(false);
    expect(bindingMatches({ ...desired, subjects: [{ kind: 'User', name: 'mallory' }] }, desired)).toBe(
      false,
    );
    expect(bindingMatches({ ...desired, roleRef: { kind: 'ClusterRole', name: 'admin' } }, desired)).toBe(
      false,
    );
  });
});
