import { describe, expect, it } from 'vitest';
import type { AnalysisSession, SessionPhase } from '../../crds/index.ts';
import { image, session } from '../sessions/fixtures.ts';
import { imageStatus } from './status.ts';

const t0 = new Date('2025-06-02T10:00:00Z');
const t1 = new Date('2025-06-02T11:00:00Z');

function inPhase(name: string, phase?: SessionPhase): AnalysisSession {
  const s = session(name);
  return phase ? { ...s, status: { phase } } : s;
}

const catalogue = (disabled = false, generation = 3) => {
  const img = image('jupyter-scipy', { disabled });
  return { ...img, metadata: { ...img.metadata, generation } };
};

describe('imageStatus', () => {
  it('counts sessions that hold or are about to hold a workload, not stopped, expired or failed ones', () => {
    const sessions = [
      inPhase('new'),
      ...(['Pending', 'Queued', 'Provisioning', 'Running', 'Stopping'] as const).map((p) => inPhase(p, p)),
      ...(['Stopped', 'Expired', 'Failed'] as const).map((p) => inPhase(p, p)),
    ];
    const status = imageStatus(catalogue(), sessions, t0);
    expect(status.sessions).toBe(6);
    expect(status.observedGeneration).toBe(3);
    expect(status.conditions).toEqual([
      {
        type: 'Ready',
        status: 'True',
        reason: 'Available',
        message: 'The image can start sessions.',
        observedGeneration: 3,
        lastTransitionTime: '2025-06-02T10:00:00Z',
      },
    ]);
    expect(imageStatus(catalogue(), [], t0).sessions).toBe(0);
  });

  it('says Ready=False with reason Disabled for a disabled image, and keeps its transition time', () => {
    const disabled = catalogue(true, 4);
    const first = imageStatus(disabled, [inPhase('a', 'Running')], t0);
    expect(first.conditions?.[0]).toMatchObject({
      status: 'False',
      reason: 'Disabled',
      observedGeneration: 4,
    });
    expect(first.sessions).toBe(1);
    // Converged: computing again later gives the same status, so nothing is written.
    const again = imageStatus({ ...disabled, status: first }, [inPhase('a', 'Running')], t1);
    expect(again).toEqual(first);
  });

  it('keeps fields other controllers own, such as the warm pool counts', () => {
    const img = { ...catalogue(), status: { warmPool: { ready: 2, claimed: 1 }, sessions: 9 } };
    expect(imageStatus(img, [], t0)).toMatchObject({ warmPool: { ready: 2, claimed: 1 }, sessions: 0 });
  });
});
