import { describe, expect, it } from 'vitest';
import { ApiError } from '../../runtime/errors.ts';
import { fieldErrors, formFieldOf } from './field-errors.ts';

const map = {
  'spec.sharedWith': 'sharedWith',
  'spec.resources.cpu': 'cpu',
  'spec.lifetime': 'lifetime',
  'spec.data.mounts.subPath': 'subPath',
};

const refusal = (code: number, status: object) =>
  new ApiError('POST', '/apis/x', code, { kind: 'Status', ...status });

describe('Status causes to form fields', () => {
  it('puts each cause next to the field it names, in plain words', () => {
    const err = refusal(422, {
      reason: 'Invalid',
      message: 'AnalysisSession.daas.calipsoplus.eu "x" is invalid: ...',
      details: {
        causes: [
          {
            reason: 'FieldValueInvalid',
            field: 'spec.sharedWith',
            message: 'Invalid value: "array": sharedWith must not include the owner',
          },
          {
            reason: 'FieldValueInvalid',
            field: 'spec.lifetime',
            message: 'Invalid value: "900h": must be at most 720h',
          },
          {
            reason: 'FieldValueInvalid',
            field: 'spec.data.mounts[0].subPath',
            message: 'Invalid value: "../x": must stay inside',
          },
          {
            reason: 'FieldValueInvalid',
            field: 'spec.resources.cpu',
            message: 'Invalid value: "lots": spec.resources.cpu in body should match \'^(\\+|-)?$\'',
          },
          { reason: 'FieldValueForbidden', field: 'spec.owner', message: 'Forbidden: nope' },
        ],
      },
    });
    expect(fieldErrors(err, map)).toEqual({
      fields: {
        sharedWith: 'sharedWith must not include the owner',
        lifetime: 'must be at most 720h',
        subPath: 'must stay inside',
        cpu: 'is not in the expected form',
      },
      general: ['spec.owner: Forbidden: nope'],
    });
  });

  it("reads the field from an admission policy's message", () => {
    const err = refusal(403, {
      reason: 'Forbidden',
      message:
        "analysissessions.daas.calipsoplus.eu \"x\" is forbidden: ValidatingAdmissionPolicy 'daas-session-owner' with binding 'daas-session-owner' denied request: spec.sharedWith: must not be empty",
    });
    expect(fieldErrors(err, map).fields).toEqual({ sharedWith: 'must not be empty' });
  });

  it('keeps an RBAC refusal whole, above the form', () => {
    const message = 'analysissessions.daas.calipsoplus.eu is forbidden: User "eve" cannot create resource';
    expect(fieldErrors(refusal(403, { reason: 'Forbidden', message }), map)).toEqual({
      fields: {},
      general: [message],
    });
  });

  it('maps nested paths to the closest mapped field', () => {
    expect(formFieldOf('spec.resources.cpu', map)).toBe('cpu');
    expect(formFieldOf('spec.sharedWith[2]', map)).toBe('sharedWith');
    expect(formFieldOf('spec.image', map)).toBeUndefined();
  });
});
