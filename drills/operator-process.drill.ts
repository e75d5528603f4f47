// Drills on the operator process itself, with a leader and a standby: the leader killed with SIGKILL
// in the middle of a burst (the standby takes over once the Lease expires), then the new leader frozen
// with SIGSTOP during a burst (the standby takes over; the frozen one, resumed, must stand down and
// not reconcile beside the new leader), then a leader killed right after it took the Lease from a
// killed one (a third replica takes over). No duplicate pod, no orphan, no write once converged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../bench/common.ts';
import { sumMetric } from '../bench/operator-process.ts';
import { sleep } from '../runtime/time.ts';
import {
  alive,
  createSessions,
  leaderOf,
  liveWorkWrites,
  report,
  secondsFromEnv,
  sessionNames,
  seedDrill,
  startOperator,
  stopDrill,
  waitRunning,
  workWrites,
  writesSince,
  type Drill,
} from './harness.ts';
import { checkInvariants } from './invariants.ts';

const BURST = 150;
/** The fake nodes take 110 pods each (330): after the two bursts above, room for this many more. */
const HANDOVER_BURST = 20;
const PAUSE_S = secondsFromEnv('DRILL_PAUSE', 60);
let drill: Drill;
let dataVolumes: Set<string>;

beforeAll(async () => {
  ({ drill, dataVolumes } = await seedDrill(10, 2));
});
afterAll(async () => {
  await stopDrill(drill);
});

describe('the operator process under faults (leader and standby)', () => {
  it('kill -9 of the leader mid-burst: the standby takes over and finishes the burst', async () => {
    const leader = await leaderOf(drill);
    const writes = await liveWorkWrites(drill);
    const names = sessionNames('kill', BURST);
    const burst = createSessions(drill, names);
    await sleep(300);
    const killedAt = performance.now();
    await leader.stop('SIGKILL');
    await burst;
    const standby = await leaderOf(drill);
    const takeoverS = (performance.now() - killedAt) / 1000;
    await waitRunning(drill, undefined, 120_000);
    const recoveryS = (performance.now() - killedAt) / 1000;
    const { sessions } = await checkInvariants(drill, { dataVolumes });
    report('operator kill -9 mid-burst (leader)', {
      recoveryS,
      takeoverS,
      writes: await writesSince(drill, writes),
      burst: BURST,
      sessions,
    });
    expect(alive(standby)).toBe(true);
    // The Lease (15 s) bounds the hand-over; the rest is the burst itself.
    expect(recoveryS).toBeLessThan(60);
  });

  it(`SIGSTOP of the leader for ${String(PAUSE_S)} s mid-burst: the standby takes over, the resumed one stands down`, async () => {
    await startOperator(drill); // a new standby
    const frozen = await leaderOf(drill);
    const writes = await liveWorkWrites(drill);
    const names = sessionNames('pause', BURST);
    const burst = createSessions(drill, names);
    await sleep(300);
    const stoppedAt = performance.now();
    frozen.child.kill('SIGSTOP');
    let allRunningS: number;
    try {
      await burst;
      await waitRunning(drill, undefined, Math.max(PAUSE_S, 60) * 1000 + 60_000);
      allRunningS = (performance.now() - stoppedAt) / 1000;
    } finally {
      const left = PAUSE_S * 1000 - (performance.now() - stoppedAt);
      if (left > 0) await sleep(left);
      frozen.child.kill('SIGCONT');
    }
    const resumedAt = performance.now();
    // Sent before the freeze, answered after it: the only writes the resumed process may still count.
    const frozenBefore = await workWrites(frozen);
    await until(
      async () => sumMetric(await frozen.metrics(), 'leader_election_master_status') === 0,
      20_000,
      50,
    );
    const standDownS = (performance.now() - resumedAt) / 1000;
    const leader = await leaderOf(drill);
    expect(leader, 'the resumed operator does not lead again').not.toBe(frozen);
    expect(alive(frozen), 'the resumed operator stays up as a standby').toBe(true);
    const { sessions } = await checkInvariants(drill, { dataVolumes });
    const frozenAfterResume = (await workWrites(frozen)) - frozenBefore;
    report(`operator SIGSTOP ${String(PAUSE_S)} s mid-burst (leader)`, {
      allRunningAfterStopS: allRunningS,
      standDownS,
      writes: await writesSince(drill, writes),
      writesOfResumed: frozenAfterResume,
      burst: BURST,
      sessions,
    });
    // Fenced: nothing written by the old leader once it resumed beside the new one.
    expect(frozenAfterResume).toBe(0);
  });

  it('kill -9 of the new leader right after a hand-over: the third replica takes over and finishes the burst', async () => {
    // Three live replicas: the leader, the standby that will take over, and one more.
    while (drill.operators.filter(alive).length < 3) await startOperator(drill);
    const first = await leaderOf(drill);
    const writes = await liveWorkWrites(drill);
    const burst = createSessions(drill, sessionNames('handover', HANDOVER_BURST));
    await sleep(300);
    const killedAt = performance.now();
    await first.stop('SIGKILL');
    // The moment a standby reports that it leads, it has just taken the Lease and is starting its
    // controllers: kill it there, mid-hand-over.
    const second = await leaderOf(drill, 60_000, 10);
    const secondLedS = (performance.now() - killedAt) / 1000;
    await second.stop('SIGKILL');
    const secondKilledAt = performance.now();
    await burst;
    const third = await leaderOf(drill, 60_000);
    const thirdLedS = (performance.now() - secondKilledAt) / 1000;
    await waitRunning(drill, undefined, 180_000);
    const recoveryS = (performance.now() - secondKilledAt) / 1000;
    const { sessions } = await checkInvariants(drill, { dataVolumes });
    report('operator kill -9 at a hand-over (the new leader)', {
      recoveryS,
      firstHandOverS: secondLedS,
      secondHandOverS: thirdLedS,
      writes: await writesSince(drill, writes),
      burst: HANDOVER_BURST,
      sessions,
    });
    expect(alive(third)).toBe(true);
    // Two Lease expiries (15 s each) bound it; the rest is the burst.
    expect(recoveryS).toBeLessThan(90);
  });
});
