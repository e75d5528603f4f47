import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import type { ActivityProbe } from '../activity/jupyter.ts';
import type { Endpoint } from '../access/types.ts';
import type { SessionCredentials } from '../credentials.ts';
import { image } from '../fixtures.ts';
import { ActivityStep, type ActivityInput, type Probe } from './activity.ts';

const probed = image('probed', {
  activity: { signal: 'jupyter', probeInterval: '1m' },
  lifecycle: { defaultLifetime: '8h', maxLifetime: '72h', idleTimeout: '30m' },
});
const endpoint: Endpoint = {
  protocol: 'http',
  host: '10.1.2.3',
  port: 8888,
  url: 'http://10.1.2.3:8888/sessions/s/',
  credentialsSecretName: 'daas-s',
};
const credentials: SessionCredentials = { token: 'tok' };
const t0 = new Date('2026-11-26T12:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const MIN = 60_000;

/** A probe function standing in for the real one, answering `result`. */
function fakeProbe(result: ActivityProbe = { ok: true, lastActivity: t0, connections: 0, kernels: 1 }) {
  return vi.fn<Probe>(() => Promise.resolve(result));
}

function input(overrides: Partial<ActivityInput> = {}): ActivityInput {
  return {
    key: 'proposal-mx-2451/s',
    image: probed,
    endpoint,
    credentials,
    lastActivityAt: undefined,
    idleTimeoutMs: 30 * MIN,
    now: t0,
    log: pino({ level: 'silent' }),
    ...overrides,
  };
}

describe('ActivityStep with a probe function standing in for the real probe', () => {
  it('does not probe an image without an activity signal, nor one with a signal it has no probe for', async () => {
    const probe = fakeProbe();
    const step = new ActivityStep({ jupyter: probe });
    expect(await step.check(input({ image: image('quiet') }))).toEqual({ idle: false });
    const none = image('none', { activity: { signal: 'none', probeInterval: '1m' } });
    expect(await step.check(input({ image: none }))).toEqual({ idle: false });
    expect(probe).not.toHaveBeenCalled();
  });

  it('counts the start of the running workload as use: a resumed session gets a whole idle timeout', async () => {
    // The signal still reports the last input before the stop, an hour ago; the session was resumed 10 min ago.
    const probe = fakeProbe({ ok: true, lastActivity: at(-60 * MIN), connections: 0, kernels: 0 });
    const step = new ActivityStep({ jupyter: probe });
    const resumed = input({ lastActivityAt: at(-60 * MIN).toISOString(), runningSince: at(-10 * MIN) });
    expect(await step.check(resumed)).toMatchObject({ idle: false, lastActivityAt: at(-10 * MIN) });
    const later = new ActivityStep({ jupyter: probe });
    expect(await later.check({ ...resumed, now: at(21 * MIN) })).toMatchObject({ idle: true });
  });

  it('does not probe a session without an endpoint', async () => {
    const probe = fakeProbe();
    const step = new ActivityStep({ jupyter: probe });
    expect(await step.check(input({ endpoint: undefined }))).toEqual({ idle: false });
    expect(probe).not.toHaveBeenCalled();
  });

  it('probes with the endpoint and credentials, once per probeInterval, and says when it probes next', async () => {
    const probe = fakeProbe();
    const step = new ActivityStep({ jupyter: probe });
    expect(await step.check(input({ now: t0 }))).toMatchObject({ nextProbeAt: at(MIN) });
    expect(probe).toHaveBeenCalledWith(endpoint, credentials, { key: input().key });
    expect(await step.check(input({ now: at(30_000) }))).toEqual({ idle: false, nextProbeAt: at(MIN) });
    expect(await step.check(input({ now: at(MIN - 1) }))).toEqual({ idle: false, nextProbeAt: at(MIN) });
    expect(probe).toHaveBeenCalledTimes(1);
    expect(await step.check(input({ now: at(MIN) }))).toMatchObject({ nextProbeAt: at(2 * MIN) });
    expect(probe).toHaveBeenCalledTimes(2);
  });

  it('keeps a separate schedule for each session', async () => {
    const probe = fakeProbe();
    const step = new ActivityStep({ jupyter: probe });
    await step.check(input({ key: 'ns/a' }));
    await step.check(input({ key: 'ns/b', now: at(1000) }));
    expect(probe).toHaveBeenCalledTimes(2);
  });

  it('reports the last activity and stays while the session was used within its idle timeout', async () => {
    const step = new ActivityStep({
      jupyter: fakeProbe({ ok: true, lastActivity: at(-10 * MIN), connections: 0, kernels: 1 }),
    });
    expect(await step.check(input())).toEqual({
      idle: false,
      lastActivityAt: at(-10 * MIN),
      nextProbeAt: at(MIN),
    });
  });

  it('asks to stop a session a successful probe finds idle past its timeout', async () => {
    const step = new ActivityStep({
      jupyter: fakeProbe({ ok: true, lastActivity: at(-31 * MIN), connections: 0, kernels: 1 }),
    });
    expect(await step.check(input())).toEqual({
      idle: true,
      lastActivityAt: at(-31 * MIN),
      nextProbeAt: at(MIN),
    });
  });

  it('counts the activity already recorded in status when it is later than the probe says', async () => {
    const step = new ActivityStep({
      jupyter: fakeProbe({ ok: true, lastActivity: at(-60 * MIN), connections: 0, kernels: 1 }),
    });
    const outcome = await step.check(input({ lastActivityAt: at(-5 * MIN).toISOString() }));
    expect(outcome).toMatchObject({ idle: false, lastActivityAt: at(-5 * MIN) });
  });

  it('never stops a session without an idle timeout, however long it was idle', async () => {
    const step = new ActivityStep({
      jupyter: fakeProbe({ ok: true, lastActivity: at(-1000 * MIN), connections: 0, kernels: 0 }),
    });
    expect(await step.check(input({ idleTimeoutMs: undefined }))).toEqual({
      idle: false,
      lastActivityAt: at(-1000 * MIN),
      nextProbeAt: at(MIN),
    });
  });

  it('never stops a session on a failed probe, and logs the failure', async () => {
    const log = pino({ level: 'silent' });
    const info = vi.spyOn(log, 'info');
    const step = new ActivityStep({ jupyter: fakeProbe({ ok: false, error: 'HTTP 503' }) });
    const outcome = await step.check(
      input({ log, idleTimeoutMs: 1, lastActivityAt: at(-1000 * MIN).toISOString() }),
    );
    expect(outcome).toEqual({ idle: false, nextProbeAt: at(MIN) });
    expect(info).toHaveBeenCalledWith({ err: 'HTTP 503' }, 'activity probe failed; keeping the session');
  });

  it('counts missing credentials as a failed probe, without calling the probe', async () => {
    const log = pino({ level: 'silent' });
    const info = vi.spyOn(log, 'info');
    const probe = fakeProbe({ ok: true, lastActivity: at(-1000 * MIN), connections: 0, kernels: 0 });
    const step = new ActivityStep({ jupyter: probe });
    expect(await step.check(input({ log, credentials: undefined }))).toEqual({
      idle: false,
      nextProbeAt: at(MIN),
    });
    expect(probe).not.toHaveBeenCalled();
    expect(info).toHaveBeenCalledWith(
      { err: 'no credentials' },
      'activity probe failed; keeping the session',
    );
  });

  it('probes at once after forget()', async () => {
    const probe = fakeProbe();
    const step = new ActivityStep({ jupyter: probe });
    await step.check(input());
    await step.check(input({ now: at(1000) }));
    expect(probe).toHaveBeenCalledTimes(1);
    step.forget('proposal-mx-2451/s');
    expect(await step.check(input({ now: at(2000) }))).toMatchObject({ nextProbeAt: at(2000 + MIN) });
    expect(probe).toHaveBeenCalledTimes(2);
  });
});
