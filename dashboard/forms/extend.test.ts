import { describe, expect, it } from 'vitest';
import type { AnalysisSession, SessionImage } from '../../crds/index.ts';
import { extendedLifetime, specDuration } from './extend.ts';

const image = {
  metadata: { name: 'i' },
  spec: { displayName: 'Jupyter', lifecycle: { defaultLifetime: '8h', maxLifetime: '20h' } },
} as unknown as SessionImage;
const session = (lifetime?: string) =>
  ({ metadata: { name: 's' }, spec: { image: 'i', lifetime } }) as unknown as AnalysisSession;

describe('extend', () => {
  it("adds the image's default lifetime, up to its maximum", () => {
    expect(extendedLifetime(session(), image)).toEqual({ ok: true, lifetime: '16h' });
    expect(extendedLifetime(session('4h'), image)).toEqual({ ok: true, lifetime: '12h' });
    expect(extendedLifetime(session('16h'), image)).toEqual({ ok: true, lifetime: '20h' });
  });

  it('writes durations the way the API accepts them', () => {
    expect([specDuration(5_400_000), specDuration(259_200_000), specDuration(90_000)]).toEqual([
      '1h30m',
      '72h',
      '1m30s',
    ]);
  });

  it('says why not at the maximum or without the image', () => {
    expect(extendedLifetime(session('20h'), image)).toEqual({
      ok: false,
      reason: 'the session already has the longest lifetime Jupyter allows (20h)',
    });
    expect(extendedLifetime(session(), undefined).ok).toBe(false);
  });
});
