// A deleted session and the access providers' finalizers: released, waited for (bounded), or let go.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { GUACAMOLE_FINALIZER, type AnalysisSession } from '../../../crds/index.ts';
import type { EventRecorder } from '../../../runtime/events.ts';
import type { RestClient } from '../../../runtime/rest.ts';
import { session } from '../fixtures.ts';
import { finalizeDeleted } from './finalizers.ts';
import type { AccessProvider, ReleaseOutcome } from './types.ts';

const deletedAt = new Date('2026-12-01T10:00:00Z');

function world(release: ReleaseOutcome | undefined) {
  const patches: unknown[] = [];
  const events: string[] = [];
  const client = {
    request: (method: string, _path: string, o: { body?: unknown }) => {
      if (method === 'PATCH') patches.push(o.body);
      return Promise.resolve({});
    },
  } as unknown as RestClient;
  const recorder = {
    record: (_s: unknown, type: string, reason: string) => {
      events.push(`${type} ${reason}`);
      return Promise.resolve();
    },
  } as unknown as EventRecorder;
  const provider: AccessProvider = {
    name: 'guacamole',
    finalizer: GUACAMOLE_FINALIZER,
    releaseTimeoutMs: 60_000,
    serves: () => true,
    ensure: () => Promise.reject(new Error('not called')),
    release: () => Promise.resolve(release),
  };
  const s: AnalysisSession = session('w');
  s.metadata.deletionTimestamp = deletedAt.toISOString();
  s.metadata.finalizers = [GUACAMOLE_FINALIZER, 'example.org/other'];
  s.metadata.resourceVersion = '42';
  const run = (providers: AccessProvider[], now: Date) =>
    finalizeDeleted({ client, recorder, providers, session: s, now, log: pino({ level: 'silent' }) });
  return { patches, events, provider, run };
}

const removed = { metadata: { finalizers: ['example.org/other'], resourceVersion: '42' } };

describe('finalizing a deleted session', () => {
  it('removes the finalizer (only its own, with the resourceVersion) once the release worked', async () => {
    const w = world({ released: true });
    expect(await w.run([w.provider], deletedAt)).toBeUndefined();
    expect(w.patches).toEqual([removed]);
    expect(w.events).toEqual([]);
  });

  it('waits while the release fails, then lets go at the release timeout with a Warning', async () => {
    const retryAt = new Date(deletedAt.getTime() + 5000);
    const w = world({ released: false, retryAt, message: 'connection 7: ECONNREFUSED' });
    expect(await w.run([w.provider], deletedAt)).toEqual({ requeueAfterMs: 5050 });
    // The next try would come after the deadline: come back at the deadline instead.
    const late = world({ released: false, retryAt: new Date(deletedAt.getTime() + 90_000) });
    expect(await late.run([late.provider], new Date(deletedAt.getTime() + 50_000))).toEqual({
      requeueAfterMs: 10_050,
    });
    expect(w.patches).toEqual([]);
    expect(await w.run([w.provider], new Date(deletedAt.getTime() + 60_000))).toBeUndefined();
    expect(w.patches).toEqual([removed]);
    expect(w.events).toEqual(['Warning GuacamoleConnectionLeft']);
  });

  it('lets go of a Guacamole finalizer when the operator runs without Guacamole', async () => {
    const w = world(undefined);
    expect(await w.run([], deletedAt)).toBeUndefined();
    expect(w.patches).toEqual([removed]);
    expect(w.events).toEqual(['Warning GuacamoleConnectionLeft']);
  });
});
