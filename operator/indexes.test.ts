import { describe, expect, it } from 'vitest';
import { createLogger } from '../runtime/logger.ts';
import { Manager } from '../runtime/manager.ts';
import type { Pod } from '../runtime/resources.ts';
import type { RestClient } from '../runtime/rest.ts';
import { AnalysisSessions } from './api.ts';
import {
  PODS_BY_NODE,
  SESSIONS_BY_IMAGE,
  podsByNode,
  podsCache,
  sessionIndexes,
  sessionsCache,
} from './indexes.ts';
import { session } from './sessions/fixtures.ts';

// Caches are created, never started: no request is sent.
const manager = () => new Manager({ client: {} as RestClient, log: createLogger('silent') });

describe('shared indexes', () => {
  it('index a session by owner, image and proposal, and a pod by its node once scheduled', () => {
    const s = session('quick-look', {}, 'jupyter-scipy');
    expect(Object.fromEntries(Object.entries(sessionIndexes).map(([name, fn]) => [name, fn(s)]))).toEqual({
      byOwner: ['akowalska'],
      byImage: ['jupyter-scipy'],
      byProposal: ['MX-2451'],
      heldByQuota: [],
    });
    const pod: Pod = { metadata: { name: 'p' }, spec: { containers: [] } };
    expect(podsByNode(pod)).toEqual([]);
    expect(podsByNode({ ...pod, spec: { containers: [], nodeName: 'kwok-cpu-1' } })).toEqual(['kwok-cpu-1']);
  });

  it('give every caller the one shared cache with the indexes, and refuse another function under a name', () => {
    const m = manager();
    const sessions = sessionsCache(m);
    expect(sessionsCache(m)).toBe(sessions);
    expect(m.cache(AnalysisSessions)).toBe(sessions);
    expect(sessions.byIndex(SESSIONS_BY_IMAGE, 'jupyter-scipy')).toEqual([]);
    expect(() => m.cache(AnalysisSessions, {}, { indexes: { byImage: (s) => [s.spec.owner] } })).toThrow(
      /index byImage already exists/,
    );
    expect(podsCache(m, { labelSelector: 'a=b' }).indexKeys(PODS_BY_NODE, 'kwok-cpu-1')).toEqual([]);
  });
});
