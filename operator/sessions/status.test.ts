import { describe, expect, it } from 'vitest';
import type { AnalysisSessionStatus } from '../../crds/index.ts';
import type { ConditionVerdict } from './conditions.ts';
import { session } from './fixtures.ts';
import { IDLE_STOP_ANNOTATION, SESSION_REASONS, type SessionReason } from '../../crds/index.ts';
import { sessionStatus, stickyFailure, type StatusFacts } from './status.ts';

const now = new Date('2026-12-01T12:00:00Z');
const ok = (type: ConditionVerdict['type'], reason: SessionReason): ConditionVerdict => ({
  type,
  status: 'True',
  reason,
  message: 'ok',
});
const no = (
  type: ConditionVerdict['type'],
  reason: SessionReason,
  message = `${reason} says why`,
): ConditionVerdict => ({
  type,
  status: 'False',
  reason,
  message,
});
const accepted = ok('Accepted', 'Accepted');
const attached = ok('DataReady', 'Attached');
const withinQuota = ok('QuotaAdmitted', 'QuotaAdmitted');
const scheduled = ok('Scheduled', 'Scheduled');
const ready = ok('Ready', 'Ready');
const reachable = ok('AccessReady', 'EndpointReady');
const clock = { expired: false, lifetimeMs: 8 * 3_600_000, capped: false, idleTimeoutMs: 3_600_000 };

function facts(overrides: Partial<StatusFacts> = {}): StatusFacts {
  return {
    session: session('quick-look'),
    previous: {},
    now,
    verdicts: [accepted, withinQuota, attached, scheduled, ready, reachable],
    refused: false,
    sticky: false,
    workloadPresent: true,
    clock,
    machineName: 'swift-hodgkin',
    expiresAt: '2026-12-01T20:00:00Z',
    ...overrides,
  };
}

const stopped = (annotations: Record<string, string> = {}) => {
  const s = session('quick-look', { state: 'Stopped' });
  return { ...s, metadata: { ...s.metadata, generation: 4, annotations } };
};

describe('sessionStatus: one path from verdicts to phase, reason and message', () => {
  it.each<[string, Partial<StatusFacts>, { phase: string; reason: string; message: RegExp }]>([
    [
      'Running once every ordered condition is True',
      {},
      {
        phase: 'Running',
        reason: 'Running',
        message: /^Running as swift-hodgkin until 1 Dec 2026, 20:00 UTC\.$/,
      },
    ],
    [
      'Running, saying the lifetime was capped',
      { clock: { ...clock, capped: true } },
      { phase: 'Running', reason: 'Running', message: /capped at 8h\.$/ },
    ],
    [
      'Pending while the image is not in the catalogue',
      { verdicts: [no('Accepted', 'ImageNotFound', 'The image "x" is not in the catalogue (yet).')] },
      { phase: 'Pending', reason: 'ImageNotFound', message: /not in the catalogue/ },
    ],
    [
      'Pending while the data is attached',
      {
        verdicts: [
          accepted,
          withinQuota,
          no('DataReady', 'AttachingData', 'Preparing access to the proposal data.'),
        ],
      },
      { phase: 'Pending', reason: 'AttachingData', message: /^Preparing access/ },
    ],
    [
      'Pending while the workload is created',
      { verdicts: [accepted, withinQuota, attached, no('Scheduled', 'Creating', 'Creating the session.')] },
      { phase: 'Pending', reason: 'Creating', message: /^Creating the session\.$/ },
    ],
    [
      'Queued when no node has room',
      {
        verdicts: [
          accepted,
          withinQuota,
          attached,
          no('Scheduled', 'Unschedulable', 'No node has 8 free GPUs'),
        ],
      },
      { phase: 'Queued', reason: 'Unschedulable', message: /8 free GPUs/ },
    ],
    [
      'Provisioning while the image is pulled',
      {
        verdicts: [
          accepted,
          withinQuota,
          attached,
          scheduled,
          no('Ready', 'ContainerCreating', 'Starting the session'),
        ],
      },
      { phase: 'Provisioning', reason: 'ContainerCreating', message: /^Starting the session$/ },
    ],
    [
      'Provisioning while the endpoint is not there yet',
      { verdicts: [accepted, withinQuota, attached, scheduled, ready] },
      { phase: 'Provisioning', reason: 'Waiting', message: /not evaluated yet/ },
    ],
    [
      'Failed with the first refusal when the session cannot run as asked',
      { refused: true, verdicts: [accepted, withinQuota, no('DataReady', 'RootNotAllowed', 'spec.x: root')] },
      { phase: 'Failed', reason: 'RootNotAllowed', message: /^spec\.x: root$/ },
    ],
    [
      'Failed at once when the workload fails for good',
      {
        workloadFailed: { reason: 'ImagePullFailed', message: 'The image could not be pulled.' },
        verdicts: [accepted, withinQuota, attached, scheduled, no('Ready', 'ImagePullFailed')],
      },
      { phase: 'Failed', reason: 'ImagePullFailed', message: /could not be pulled\. Change the session/ },
    ],
    [
      'Failed as before while a failure of this generation is kept',
      {
        sticky: true,
        verdicts: [accepted, withinQuota],
        previous: { phase: 'Failed', reason: 'CrashLoop', message: 'It crashed.' },
      },
      { phase: 'Failed', reason: 'CrashLoop', message: /^It crashed\.$/ },
    ],
    [
      'Expired after the lifetime, whatever else is true',
      { clock: { ...clock, expired: true }, refused: true, workloadPresent: false },
      { phase: 'Expired', reason: 'LifetimeExpired', message: /lifetime of 8h .*Raise spec\.lifetime/ },
    ],
    [
      'Stopping while the stopped workload still exists',
      { session: stopped(), workloadPresent: true },
      { phase: 'Stopping', reason: 'StoppedByUser', message: /^Stopped\. Set state to Running/ },
    ],
    [
      'Stopped once it is gone',
      { session: stopped(), workloadPresent: false },
      { phase: 'Stopped', reason: 'StoppedByUser', message: /your files are kept/ },
    ],
    [
      'Stopped by the idle culler, saying so',
      { session: stopped({ [IDLE_STOP_ANNOTATION]: '4' }), workloadPresent: false },
      { phase: 'Stopped', reason: 'IdleTimeout', message: /^Stopped after 1h without activity/ },
    ],
    [
      'stopped by the user after an idle stop of an older generation',
      { session: stopped({ [IDLE_STOP_ANNOTATION]: '3' }), workloadPresent: false },
      { phase: 'Stopped', reason: 'StoppedByUser', message: /^Stopped\./ },
    ],
  ])('%s', (_, overrides, want) => {
    const s = sessionStatus(facts(overrides));
    expect({ phase: s.phase, reason: s.reason }).toEqual({ phase: want.phase, reason: want.reason });
    expect(s.message).toMatch(want.message);
  });

  it('orders the conditions, and later ones wait for the first that is not True', () => {
    const generation3 = {
      ...session('quick-look'),
      metadata: { ...session('quick-look').metadata, generation: 3 },
    };
    const s = sessionStatus(
      facts({ session: generation3, verdicts: [accepted, withinQuota, no('DataReady', 'AttachingData')] }),
    );
    expect(s.conditions.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['Accepted', 'True', 'Accepted'],
      ['QuotaAdmitted', 'True', 'QuotaAdmitted'],
      ['DataReady', 'False', 'AttachingData'],
      ['Scheduled', 'Unknown', 'Waiting'],
      ['Ready', 'Unknown', 'Waiting'],
      ['AccessReady', 'Unknown', 'Waiting'],
      ['ExpiringSoon', 'False', 'NotYet'],
    ]);
    expect(s.conditions.every((c) => c.observedGeneration === 3)).toBe(true);
  });

  it('keeps the conditions that led to a kept failure', () => {
    const previous: AnalysisSessionStatus = {
      phase: 'Failed',
      reason: 'CrashLoop',
      message: 'It crashed.',
      observedGeneration: 1,
      conditions: [
        {
          type: 'DataReady',
          status: 'True',
          reason: 'Attached',
          message: 'ok',
          lastTransitionTime: '2026-12-01T10:00:00Z',
        },
        {
          type: 'Scheduled',
          status: 'True',
          reason: 'Scheduled',
          message: 'ok',
          lastTransitionTime: '2026-12-01T10:00:00Z',
        },
        {
          type: 'Ready',
          status: 'False',
          reason: 'CrashLoop',
          message: 'It crashed.',
          lastTransitionTime: '2026-12-01T11:00:00Z',
        },
      ],
    };
    expect(stickyFailure(previous, 1)).toBe(true);
    expect(stickyFailure(previous, 2)).toBe(false);
    const s = sessionStatus(facts({ previous, sticky: true, verdicts: [accepted, withinQuota] }));
    expect(s.conditions.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'CrashLoop',
      lastTransitionTime: '2026-12-01T11:00:00Z',
    });
  });

  it('says ExpiringSoon from the warning until expiry', () => {
    const warned = sessionStatus(facts({ expiryWarningAt: '2026-12-01T11:50:00Z' }));
    expect(warned.conditions.find((c) => c.type === 'ExpiringSoon')).toMatchObject({
      status: 'True',
      reason: 'ExpiringSoon',
      message: 'expires at 1 Dec 2026, 20:00 UTC',
    });
    const expired = sessionStatus(
      facts({ expiryWarningAt: '2026-12-01T11:50:00Z', clock: { ...clock, expired: true } }),
    );
    expect(expired.conditions.find((c) => c.type === 'ExpiringSoon')).toMatchObject({
      status: 'False',
      reason: 'Expired',
    });
  });

  it('reports a phase change as an Event (a warning for Failed and Expired), and nothing when unchanged', () => {
    expect(sessionStatus(facts()).events).toEqual([
      {
        type: 'Normal',
        reason: 'PhaseRunning',
        note: 'Running as swift-hodgkin until 1 Dec 2026, 20:00 UTC.',
      },
    ]);
    expect(sessionStatus(facts({ previous: { phase: 'Running' } })).events).toEqual([]);
    // The steps on the way show in status only: an Event each would cost a write per session.
    const provisioning = facts({
      verdicts: [accepted, withinQuota, attached, scheduled, no('Ready', 'ContainerCreating')],
    });
    expect(sessionStatus({ ...provisioning, previous: { phase: 'Pending' } }).events).toEqual([]);
    const failed = sessionStatus(facts({ refused: true, verdicts: [no('Accepted', 'ImageNotAllowed')] }));
    expect(failed.events).toMatchObject([{ type: 'Warning', reason: 'PhaseFailed' }]);
  });

  it('records when the session came to rest as Stopped, once', () => {
    expect(sessionStatus(facts({ session: stopped(), workloadPresent: false })).stoppedAt).toBe(
      '2026-12-01T12:00:00Z',
    );
    const again = sessionStatus(
      facts({ session: stopped(), workloadPresent: false, previous: { phase: 'Stopped' } }),
    );
    expect(again.stoppedAt).toBeUndefined();
  });
});

describe('sessionStatus reports every reason of the API, with the phase the docs give it', () => {
  const ordered = ['Accepted', 'QuotaAdmitted', 'DataReady', 'Scheduled', 'Ready', 'AccessReady'] as const;
  const seen = new Set<string>();
  const record = (s: ReturnType<typeof sessionStatus>) => {
    seen.add(s.reason);
    for (const c of s.conditions) seen.add(c.reason);
    return s;
  };

  it.each(
    Object.entries(SESSION_REASONS).filter(
      ([, doc]) => doc.condition !== 'status' && doc.condition !== 'ordered',
    ),
  )('%s', (reason, doc) => {
    if (doc.condition === 'status' || doc.condition === 'ordered') return;
    const r = reason as SessionReason;
    if (doc.condition === 'ExpiringSoon') {
      const expired = r === 'Expired';
      const s = record(
        sessionStatus(
          facts({
            ...(r === 'NotYet' ? {} : { expiryWarningAt: '2026-12-01T11:50:00Z' }),
            clock: { ...clock, expired },
          }),
        ),
      );
      expect(s.conditions.find((c) => c.type === 'ExpiringSoon')?.reason).toBe(r);
      return;
    }
    const at = ordered.indexOf(doc.condition);
    const before = [accepted, withinQuota, attached, scheduled, ready, reachable].slice(0, at);
    const verdict = {
      type: doc.condition,
      status: doc.status,
      reason: r,
      message: `${r} in words`,
    } as ConditionVerdict;
    const failed = doc.phase === 'Failed';
    const s = record(
      sessionStatus(
        facts({
          verdicts: [...before, verdict],
          refused: failed && (doc.condition === 'Accepted' || doc.condition === 'DataReady'),
          ...(failed && doc.condition === 'Ready'
            ? { workloadFailed: { reason: r, message: `${r} in words` } }
            : {}),
        }),
      ),
    );
    expect(s.conditions.find((c) => c.type === doc.condition)).toMatchObject({
      status: doc.status,
      reason: r,
    });
    if (doc.status !== 'True') {
      expect(s.reason).toBe(r);
      expect([doc.phase].flat()).toContain(s.phase);
    }
  });

  it('and the reasons of status alone: Running, stopped, idle, expired, and Failed for a reason it no longer knows', () => {
    record(sessionStatus(facts()));
    record(sessionStatus(facts({ session: stopped(), workloadPresent: false })));
    record(
      sessionStatus(facts({ session: stopped({ [IDLE_STOP_ANNOTATION]: '4' }), workloadPresent: false })),
    );
    record(sessionStatus(facts({ clock: { ...clock, expired: true } })));
    const old = sessionStatus(
      facts({
        sticky: true,
        verdicts: [accepted, withinQuota],
        previous: { phase: 'Failed', reason: 'SomeOldReason' },
      }),
    );
    expect(old.reason).toBe('Failed');
    record(old);
    record(sessionStatus(facts({ verdicts: [accepted, withinQuota] }))); // later conditions Waiting
    expect([...Object.keys(SESSION_REASONS)].filter((r) => !seen.has(r))).toEqual([]);
  });
});
