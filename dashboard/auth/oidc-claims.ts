// Who an ID token names, read the way the cluster's API server reads the same token: the user name
// from one claim with a prefix, the groups from another with theirs. The dashboard impersonates that
// name, so it must be the one RBAC bindings use; Kubernetes' own identities are never taken.

export interface ClaimRules {
  usernameClaim: string;
  usernamePrefix: string;
  groupsClaim: string;
  groupsPrefix: string;
}

export type ClaimIdentity =
  { kind: 'user'; user: string; groups: string[] } | { kind: 'refused'; reason: string };

export function identityFromClaims(claims: Record<string, unknown>, rules: ClaimRules): ClaimIdentity {
  const name = claims[rules.usernameClaim];
  if (typeof name !== 'string' || !name)
    return { kind: 'refused', reason: `the ID token has no ${rules.usernameClaim} claim (a text)` };
  // The API server takes an email only when the provider has verified it.
  if (rules.usernameClaim === 'email' && 'email_verified' in claims && claims.email_verified !== true)
    return { kind: 'refused', reason: 'the email in the ID token is not verified' };
  const user = rules.usernamePrefix + name;
  if (user.startsWith('system:'))
    return { kind: 'refused', reason: `the user name ${user} is a Kubernetes system identity` };
  const raw = claims[rules.groupsClaim];
  // The API server accepts a list of texts or one text.
  const listed = Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : [];
  if (raw !== undefined && !listed.every((g) => typeof g === 'string'))
    return { kind: 'refused', reason: `the ${rules.groupsClaim} claim is not a list of texts` };
  const groups = (listed as string[])
    .filter(Boolean)
    .map((g) => rules.groupsPrefix + g)
    .filter((g) => !g.startsWith('system:'));
  return { kind: 'user', user, groups: [...new Set(groups)] };
}
