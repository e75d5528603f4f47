import { describe, expect, it } from 'vitest';
import type { SessionImage } from '../../crds/index.ts';
import { imageOffered } from './catalogue.ts';

const image = (spec: Partial<SessionImage['spec']>) =>
  ({ metadata: { name: 'i' }, spec }) as unknown as SessionImage;
const mx = { proposal: 'MX-1', beamline: 'id16a' };

describe('images offered in a proposal', () => {
  it('follows availability: everyone, groups, proposals, beamlines', () => {
    expect(imageOffered(image({ availability: { everyone: true } }), mx, [], false)).toBe(true);
    expect(
      imageOffered(
        image({ availability: { everyone: false, groups: ['gpu-users'] } }),
        mx,
        ['gpu-users'],
        false,
      ),
    ).toBe(true);
    expect(
      imageOffered(image({ availability: { everyone: false, groups: ['gpu-users'] } }), mx, [], false),
    ).toBe(false);
    expect(
      imageOffered(image({ availability: { everyone: false, proposals: ['MX-1'] } }), mx, [], false),
    ).toBe(true);
    expect(
      imageOffered(image({ availability: { everyone: false, beamlines: ['id16a'] } }), mx, [], false),
    ).toBe(true);
    expect(imageOffered(image({}), mx, [], false)).toBe(false);
  });

  it('hides disabled images from everyone and hidden ones from all but admins', () => {
    expect(imageOffered(image({ disabled: true, availability: { everyone: true } }), mx, [], true)).toBe(
      false,
    );
    expect(imageOffered(image({ hidden: true, availability: { everyone: true } }), mx, [], false)).toBe(
      false,
    );
    expect(imageOffered(image({ hidden: true }), mx, [], true)).toBe(true);
  });
});
