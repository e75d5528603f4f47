import { describe, expect, it } from 'vitest';
import { identityFromClaims, type ClaimRules } from './oidc-claims.ts';

const rules: ClaimRules = {
  usernameClaim: 'preferred_username',
  usernamePrefix: '',
  groupsClaim: 'groups',
  groupsPrefix: '',
};

describe('the identity an ID token names', () => {
  it('takes the user and groups from the configured claims, with their prefixes', () => {
    const claims = { sub: 'f3a1', preferred_username: 'akowalska', groups: ['mx-2451', 'daas:admins'] };
    expect(identityFromClaims(claims, rules)).toEqual({
      kind: 'user',
      user: 'akowalska',
      groups: ['mx-2451', 'daas:admins'],
    });
    expect(
      identityFromClaims(claims, {
        ...rules,
        usernameClaim: 'sub',
        usernamePrefix: 'oidc:',
        groupsPrefix: 'oidc:',
      }),
    ).toEqual({ kind: 'user', user: 'oidc:f3a1', groups: ['oidc:mx-2451', 'oidc:daas:admins'] });
  });

  it('reads a single group as a list of one, and no groups claim as none', () => {
    expect(identityFromClaims({ preferred_username: 'a', groups: 'staff' }, rules)).toMatchObject({
      groups: ['staff'],
    });
    expect(identityFromClaims({ preferred_username: 'a' }, rules)).toMatchObject({ groups: [] });
  });

  it('refuses Kubernetes system identities and drops system groups', () => {
    expect(identityFromClaims({ preferred_username: 'system:admin' }, rules)).toEqual({
      kind: 'refused',
      reason: 'the user name system:admin is a Kubernetes system identity',
    });
    // A prefix that makes a system name is refused too.
    expect(
      identityFromClaims({ preferred_username: 'kube-admin' }, { ...rules, usernamePrefix: 'system:' }),
    ).toMatchObject({ kind: 'refused' });
    expect(
      identityFromClaims({ preferred_username: 'a', groups: ['system:masters', 'staff', 'staff'] }, rules),
    ).toMatchObject({ groups: ['staff'] });
  });

  it('refuses a token without the user claim, a bad groups claim and an unverified email', () => {
    expect(identityFromClaims({ sub: 'x' }, rules)).toEqual({
      kind: 'refused',
      reason: 'the ID token has no preferred_username claim (a text)',
    });
    expect(identityFromClaims({ preferred_username: 'a', groups: [1] }, rules)).toMatchObject({
      kind: 'refused',
    });
    const byEmail = { ...rules, usernameClaim: 'email' };
    expect(identityFromClaims({ email: 'a@facility.example', email_verified: false }, byEmail)).toEqual({
      kind: 'refused',
      reason: 'the email in the ID token is not verified',
    });
    expect(identityFromClaims({ email: 'a@facility.example', email_verified: true }, byEmail)).toMatchObject({
      user: 'a@facility.example',
    });
  });
});
