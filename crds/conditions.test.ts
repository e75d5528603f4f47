import { describe, expect, test } from 'vitest';
import { crdSchema } from './openapi/crd.ts';
import { analysisSessionKind } from './kinds.ts';
import { ORDERED_SESSION_CONDITIONS, SESSION_CONDITIONS, SESSION_CONDITION_TYPES } from './conditions.ts';

describe('session conditions', () => {
  test('the ordered conditions are the ordered entries, in order', () => {
    expect(ORDERED_SESSION_CONDITIONS).toEqual([
      'Accepted',
      'QuotaAdmitted',
      'DataReady',
      'Scheduled',
      'Ready',
      'AccessReady',
    ]);
    expect(ORDERED_SESSION_CONDITIONS).toEqual(
      SESSION_CONDITIONS.filter((c) => c.ordered).map((c) => c.type),
    );
    expect(SESSION_CONDITION_TYPES).toEqual([...ORDERED_SESSION_CONDITIONS, 'ExpiringSoon']);
  });

  test("the CRD's description of status.conditions names every type, ordered ones in order", () => {
    const schema = crdSchema(analysisSessionKind) as {
      properties: { status: { properties: { conditions: { description: string } } } };
    };
    const description = schema.properties.status.properties.conditions.description;
    const at = SESSION_CONDITION_TYPES.map((type) => description.search(new RegExp(`\\b${type} \\(`)));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
  });
});
