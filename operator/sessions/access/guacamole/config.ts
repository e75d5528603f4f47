// The Guacamole part of the operator's configuration (--guacamole-*): where Apache Guacamole is,
// which Secret holds the admin credentials the operator logs in with, and its re-check and
// release timings. Empty --guacamole-url: no Guacamole, rdp and ssh sessions show their pod address.
import { z } from 'zod';
import { boolean, duration } from '../../../../runtime/config.ts';

const SECRET_REF = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/;

export const guacamoleConfigSchema = z.object({
  guacamoleUrl: z
    .string()
    .refine((text) => text === '' || /^https?:\/\/[^/?#]+\/([^?#]*\/)?$/.test(text), {
      error:
        "expected Guacamole's base URL ending in /, such as https://guacamole.facility.example/guacamole/, or empty",
    })
    .default('')
    .describe(
      'Apache Guacamole: rdp and ssh sessions (and vnc ones that ask) get a Guacamole connection (empty: none)',
    ),
  guacamoleCredentialsSecret: z
    .string()
    .refine((text) => text === '' || SECRET_REF.test(text), {
      error: 'expected namespace/name of a Secret with the keys username and password',
    })
    .default('')
    .describe(
      "namespace/name of the Secret with Guacamole's admin username and password (keys username, password)",
    ),
  guacamoleDataSource: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'expected a Guacamole data source such as postgresql')
    .default('postgresql')
    .describe('the Guacamole data source (authentication extension) that stores connections'),
  guacamoleVnc: boolean
    .prefault('false')
    .describe('open vnc sessions through Guacamole too (otherwise only images with access.guacamole)'),
  guacamoleRecheckInterval: duration
    .prefault('5m')
    .describe('how often each connection is compared with Guacamole (Guacamole has no watch)'),
  guacamoleReleaseTimeout: duration
    .prefault('10m')
    .describe('how long a deleted session waits for an unreachable Guacamole before it is let go'),
  guacamoleRequestTimeout: duration.prefault('10s').describe('the timeout of each request to Guacamole'),
});

export type GuacamoleConfig = z.output<typeof guacamoleConfigSchema>;

/** The problems of a configuration that the fields cannot say alone. */
export function guacamoleConfigProblems(c: GuacamoleConfig): string[] {
  return c.guacamoleUrl && !c.guacamoleCredentialsSecret
    ? [
        '--guacamole-credentials-secret: required with --guacamole-url (the Secret with the admin credentials)',
      ]
    : [];
}
