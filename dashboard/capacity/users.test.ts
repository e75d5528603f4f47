import { describe, expect, it } from 'vitest';
import type { AnalysisSession, Quota } from '../../crds/index.ts';
import { entry, quota } from '../../operator/quotas/fixtures.ts';
import { usersUsage } from './users.ts';

const session = (
  name: string,
  owner: string,
  proposal: string,
  image: string,
  state: 'Running' | 'Stopped' = 'Running',
  groups = '',
): AnalysisSession =>
  ({
    metadata: {
      name,
      namespace: `proposal-${proposal.toLowerCase()}`,
      ...(groups ? { annotations: { 'daas.calipsoplus.eu/groups': groups } } : {}),
    },
    spec: { owner, proposal, image, state },
  }) as unknown as AnalysisSession;

const withStatus = (q: Quota, status: Quota['status']): Quota => ({ ...q, status });

describe('who runs what, against which quotas', () => {
  const quotas = [
    withStatus(quota('default-per-user', { kind: 'EachUser' }, { sessions: 5, cpu: '16' }), {
      users: [
        { user: 'akowalska', used: { sessions: 2, cpu: '4', memory: '16Gi' } },
        { user: 'jdupont', used: { sessions: 1, cpu: '2', memory: '8Gi' } },
      ],
      ledger: [entry(1), entry(2), entry(3, 'jdupont')],
    }),
    withStatus(quota('jdupont-override', { kind: 'User', name: 'jdupont' }, { sessions: 10 }), {
      used: { sessions: 1, cpu: '2', memory: '8Gi' },
    }),
    withStatus(quota('mx-2451', { kind: 'Proposal', name: 'MX-2451' }, { gpus: 4 }), {
      used: { sessions: 3, cpu: '6', memory: '24Gi', gpus: 1 },
      queued: 2,
    }),
    quota('staff', { kind: 'Group', name: 'esrf:staff' }, { sessions: 20 }),
  ];

  it('counts sessions by proposal and image and shows the usage of each quota that applies', () => {
    const users = usersUsage(
      [
        session('a', 'akowalska', 'MX-2451', 'jupyter'),
        session('b', 'akowalska', 'MX-2451', 'xfce'),
        session('c', 'akowalska', 'MX-9', 'jupyter', 'Stopped'),
        session('d', 'jdupont', 'MX-2451', 'jupyter', 'Running', 'esrf:staff'),
      ],
      quotas,
    );
    expect(users.map((u) => [u.user, u.active, u.sessions])).toEqual([
      ['akowalska', 2, 3],
      ['jdupont', 1, 1],
    ]);
    const [a, j] = users;
    expect(a?.byProposal).toEqual([
      { name: 'MX-2451', count: 2 },
      { name: 'MX-9', count: 1 },
    ]);
    expect(a?.byImage).toEqual([
      { name: 'jupyter', count: 2 },
      { name: 'xfce', count: 1 },
    ]);
    // The per-user default counts akowalska's own share; the proposal quota everyone's.
    expect(a?.quotas).toEqual([
      {
        quota: 'default-per-user',
        subject: 'Every user',
        own: true,
        limits: [
          { limit: 'sessions', used: '2', allowed: '5' },
          { limit: 'cpu', used: '4', allowed: '16' },
        ],
        queued: 0,
      },
      {
        quota: 'mx-2451',
        subject: 'Proposal MX-2451',
        own: false,
        limits: [{ limit: 'gpus', used: '1', allowed: '4' }],
        queued: 2,
      },
    ]);
    // A User quota replaces the default; a stamped group brings its quota (not counted yet: 0).
    expect(j?.quotas.map((q) => [q.quota, q.limits[0]?.used])).toEqual([
      ['jdupont-override', '1'],
      ['mx-2451', '1'],
      ['staff', '0'],
    ]);
  });
});
