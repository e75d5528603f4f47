import { describe, expect, it } from 'vitest';
import { idleVerdict, type ActivityProbe } from './jupyter.ts';

const now = new Date('2026-11-26T12:00:00Z');
const minutes = (n: number) => n * 60_000;
const ago = (ms: number) => new Date(now.getTime() - ms);
const ok = (lastActivity: Date, connections = 0): ActivityProbe => ({
  ok: true,
  lastActivity,
  connections,
  kernels: 1,
});

describe('idle verdict', () => {
  it('keeps a session active within the idle timeout', () => {
    const v = idleVerdict({
      probe: ok(ago(minutes(10))),
      previousActivityAt: undefined,
      idleTimeoutMs: minutes(60),
      now,
    });
    expect(v.cull).toBe(false);
    expect(v.lastActivityAt).toEqual(ago(minutes(10)));
  });

  it('culls after a fresh successful probe shows the idle timeout passed', () => {
    const v = idleVerdict({
      probe: ok(ago(minutes(61))),
      previousActivityAt: undefined,
      idleTimeoutMs: minutes(60),
      now,
    });
    expect(v).toMatchObject({ cull: true, reason: 'no activity for 61 min' });
  });

  it('never culls on a failed probe, however old the last activity', () => {
    const v = idleVerdict({
      probe: { ok: false, error: 'connect ECONNREFUSED' },
      previousActivityAt: ago(minutes(600)),
      idleTimeoutMs: minutes(60),
      now,
    });
    expect(v.cull).toBe(false);
    expect(v.lastActivityAt).toEqual(ago(minutes(600)));
    expect(v.reason).toContain('ECONNREFUSED');
  });

  it('counts an open connection as activity now', () => {
    const v = idleVerdict({
      probe: ok(ago(minutes(300)), 1),
      previousActivityAt: undefined,
      idleTimeoutMs: minutes(60),
      now,
    });
    expect(v.cull).toBe(false);
    expect(v.lastActivityAt).toEqual(now);
  });

  it('never moves activity backwards (a restarted server reports its own start)', () => {
    const v = idleVerdict({
      probe: ok(ago(minutes(90))),
      previousActivityAt: ago(minutes(5)),
      idleTimeoutMs: minutes(60),
      now,
    });
    expect(v.cull).toBe(false);
    expect(v.lastActivityAt).toEqual(ago(minutes(5)));
  });
});
