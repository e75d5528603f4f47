// The OpenID Connect sign-in a dashboard's configuration asks for, with the client secret read from
// its file (a mounted Secret: a flag's value would show in the process list and the Deployment).
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { ConfigError } from '../../runtime/config.ts';
import type { DashboardConfig } from '../config.ts';
import { OidcSignIn } from './oidc.ts';

export async function oidcSignInOf(config: DashboardConfig, log: Logger): Promise<OidcSignIn | undefined> {
  const { oidcIssuer: issuer, oidcClientId: clientId, oidcClientSecretFile: secretFile } = config;
  // config.ts refuses an issuer without the client id and the secret's file.
  if (!issuer || !clientId || !secretFile) return undefined;
  let clientSecret: string;
  try {
    clientSecret = (await readFile(secretFile, 'utf8')).trim();
  } catch (err) {
    throw new ConfigError([
      `--oidc-client-secret-file: cannot read ${secretFile}: ${(err as Error).message}`,
    ]);
  }
  if (!clientSecret) throw new ConfigError([`--oidc-client-secret-file: ${secretFile} is empty`]);
  return new OidcSignIn(
    {
      issuer,
      clientId,
      clientSecret,
      scopes: config.oidcScopes,
      publicUrl: config.publicUrl,
      claims: {
        usernameClaim: config.oidcUsernameClaim,
        usernamePrefix: config.oidcUsernamePrefix,
        groupsClaim: config.oidcGroupsClaim,
        groupsPrefix: config.oidcGroupsPrefix,
      },
    },
    log.child({ signIn: 'oidc' }),
  );
}
