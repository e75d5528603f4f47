// The keys that sign the dashboard's cookies: from a file (base64 lines: primary, then secondary) or
// from a Secret (keys primary and secondary, re-read every 30 s like the gateway's ticket keys).
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { RestClient } from '../../runtime/rest.ts';
import { SecretKeyring } from '../gateway/keyring-secret.ts';
import { MIN_KEY_BYTES, type Keyring } from '../gateway/signing.ts';

export interface KeySource {
  readonly keys: Keyring | undefined;
  stop(): void;
}

/** The keyring a key file holds; throws naming what is wrong. */
export function keyringFromText(text: string, where: string): Keyring {
  const [primary, secondary] = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line, i) => {
      const key = Buffer.from(line, 'base64');
      if (key.length < MIN_KEY_BYTES)
        throw new Error(
          `${where} line ${String(i + 1)}: a key needs at least ${String(MIN_KEY_BYTES)} bytes (base64)`,
        );
      return key;
    });
  if (!primary) throw new Error(`${where}: no key in the file`);
  return secondary ? { primary, secondary } : { primary };
}

export async function loadKeys(options: {
  file: string | undefined;
  secret: { namespace: string; name: string };
  client: RestClient;
  log: Logger;
}): Promise<KeySource> {
  if (options.file) {
    const keys = keyringFromText(await readFile(options.file, 'utf8'), options.file);
    return { keys, stop: () => undefined };
  }
  const ring = new SecretKeyring({ client: options.client, log: options.log, ...options.secret });
  await ring.start();
  return ring;
}
