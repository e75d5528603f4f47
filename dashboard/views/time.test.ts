import { describe, expect, it } from 'vitest';
import { byNewest } from '../kube/caches.ts';
import type { AnalysisSession } from '../../crds/index.ts';
import { time } from './session-card.ts';

const text = (v: ReturnType<typeof time>) => (typeof v === 'string' ? v : v.text);

describe('times on a card', () => {
  it("shows the API server's UTC timestamps as they are, other forms through a Date, and junk as given", () => {
    expect(text(time('2026-12-02T02:57:01Z'))).toBe(
      '<time datetime="2026-12-02T02:57:01Z">2026-12-02 02:57 UTC</time>',
    );
    expect(text(time('2026-12-02T03:57:01+01:00'))).toBe(
      '<time datetime="2026-12-02T02:57:01.000Z">2026-12-02 02:57 UTC</time>',
    );
    expect(time('soon')).toBe('soon');
    expect(time(undefined)).toBe('–');
  });

  it('sorts sessions newest first by their creation time', () => {
    const at = (t: string) => ({ metadata: { creationTimestamp: t } }) as unknown as AnalysisSession;
    const sorted = [at('2026-12-01T10:00:00Z'), at('2026-12-02T09:00:00Z'), at('2026-12-01T23:59:59Z')].sort(
      byNewest,
    );
    expect(sorted.map((s) => s.metadata.creationTimestamp)).toEqual([
      '2026-12-02T09:00:00Z',
      '2026-12-01T23:59:59Z',
      '2026-12-01T10:00:00Z',
    ]);
  });
});
