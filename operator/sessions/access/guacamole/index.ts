// Builds the Guacamole access provider from the operator's configuration: the REST client logs in
// with the credentials of the configured Secret, read again at every login so a rotation needs no restart.
import type { Logger } from 'pino';
import { ConfigError } from '../../../../runtime/config.ts';
import { objectPath, Secrets } from '../../../../runtime/resources.ts';
import type { RestClient } from '../../../../runtime/rest.ts';
import { GuacamoleClient, GuacamoleLoginRefused, type GuacamoleCredentials } from './client.ts';
import { guacamoleConfigProblems, type GuacamoleConfig } from './config.ts';
import { GuacamoleAccess } from './provider.ts';

/** The username and password of the Secret (keys username and password). */
export async function readCredentials(client: RestClient, ref: string): Promise<GuacamoleCredentials> {
  const [namespace = '', name = ''] = ref.split('/');
  const secret = await client.request<{ data?: Record<string, string> }>(
    'GET',
    objectPath(Secrets, namespace, name),
  );
  const field = (key: string) => {
    const value = secret.data?.[key];
    if (!value) throw new GuacamoleLoginRefused(`the Secret ${ref} has no "${key}" key`);
    return Buffer.from(value, 'base64').toString('utf8');
  };
  return { username: field('username'), password: field('password') };
}

/** The provider, or undefined when --guacamole-url is empty. */
export function guacamoleProvider(
  c: GuacamoleConfig,
  client: RestClient,
  log: Logger,
): GuacamoleAccess | undefined {
  const problems = guacamoleConfigProblems(c);
  if (problems.length) throw new ConfigError(problems);
  if (!c.guacamoleUrl) return undefined;
  const guacamole = new GuacamoleClient({
    baseUrl: c.guacamoleUrl,
    credentials: () => readCredentials(client, c.guacamoleCredentialsSecret),
    timeoutMs: c.guacamoleRequestTimeout,
  });
  return new GuacamoleAccess({
    client: guacamole,
    url: c.guacamoleUrl,
    dataSource: c.guacamoleDataSource,
    vnc: c.guacamoleVnc,
    recheckIntervalMs: c.guacamoleRecheckInterval,
    releaseTimeoutMs: c.guacamoleReleaseTimeout,
    log: log.child({ provider: 'guacamole' }),
  });
}
