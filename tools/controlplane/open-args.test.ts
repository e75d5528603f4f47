import { describe, expect, it } from 'vitest';
import { parseOpenArgs } from './open-args.ts';

describe('parseOpenArgs', () => {
  it('reads the session and, optionally, the user to open it as', () => {
    expect(parseOpenArgs(['proposal-mx-2451/quick-look'])).toEqual({
      ok: true,
      value: { namespace: 'proposal-mx-2451', name: 'quick-look' },
    });
    for (const argv of [
      ['proposal-mx-2451/desktop-inspection', '--as', 'mkowalski'],
      ['--as=mkowalski', 'proposal-mx-2451/desktop-inspection'],
    ])
      expect(parseOpenArgs(argv)).toEqual({
        ok: true,
        value: { namespace: 'proposal-mx-2451', name: 'desktop-inspection', user: 'mkowalski' },
      });
  });

  it.each([
    [[], /name one session/],
    [['quick-look'], /expected <namespace>\/<session>.*got "quick-look"/],
    [['a/b/c'], /expected <namespace>\/<session>/],
    [['Proposal/x'], /expected <namespace>\/<session>/],
    [['ns/x', '--as'], /--as needs a user name/],
    [['ns/x', '--user=x'], /unknown option --user=x/],
  ])('refuses %j', (argv, error) => {
    const out = parseOpenArgs(argv);
    expect(out.ok).toBe(false);
    if (!out.ok) {
      expect(out.error).toMatch(error);
      expect(out.error).toContain('usage: npm run open');
    }
  });
});
