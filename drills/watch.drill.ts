// Drill on 410 Gone: the operator is frozen (SIGSTOP) while the API server restarts and sessions are
// created; when it resumes, its watches resume from resourceVersions the restarted API server's
// watch cache no longer holds, so it answers 410 Gone. The informers must relist (reason "gone") and
// the operator catch up on everything it missed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../bench/common.ts';
import { sumMetric } from '../bench/operator-process.ts';
import { sleep } from '../runtime/time.ts';
import {
  alive,
  createSessions,
  liveWorkWrites,
  report,
  seedDrill,
  sessionNames,
  stopDrill,
  waitRunning,
  writesSince,
  type Drill,
} from './harness.ts';
import { checkInvariants } from './invariants.ts';

const MISSED = 20;
let drill: Drill;
let dataVolumes: Set<string>;

beforeAll(async () => {
  ({ drill, dataVolumes } = await seedDrill(10));
});
afterAll(async () => {
  await stopDrill(drill);
});

describe('410 Gone', () => {
  it('a frozen operator whose resourceVersions expired relists and catches up', async () => {
    const op = drill.operators[0];
    if (!op) throw new Error('no operator');
    const relists = async () =>
      sumMetric(await op.metrics(), 'daas_informer_relists_total', (l) => l.includes('reason="gone"'));
    const goneBefore = await relists();
    const writes = await liveWorkWrites(drill);
    op.child.kill('SIGSTOP');
    try {
      // A restarted API server's watch cache starts at the current resourceVersion: older ones are gone.
      await drill.cluster.stopComponent('kube-apiserver');
      await drill.cluster.startComponent('kube-apiserver');
      await createSessions(drill, sessionNames('missed', MISSED));
      await sleep(2000);
    } finally {
      op.child.kill('SIGCONT');
    }
    const resumedAt = performance.now();
    await waitRunning(drill, undefined, 120_000);
    const recoveryS = (performance.now() - resumedAt) / 1000;
    await until(async () => (await relists()) > goneBefore, 30_000, 200);
    const gone = (await relists()) - goneBefore;
    const { sessions } = await checkInvariants(drill, { dataVolumes });
    report('410 Gone after a freeze (operator SIGSTOP across an API server restart)', {
      recoveryS,
      writes: await writesSince(drill, writes),
      relistsAfterGone: gone,
      missedSessions: MISSED,
      sessions,
    });
    expect(alive(op)).toBe(true);
    expect(recoveryS).toBeLessThan(30);
  });
});
