// The ticket signing keys, from a Secret (keys `primary` and, during a rotation, `secondary`), read
// at start and re-read every 30 s, so a rotation needs no restart. Both the gateway and anything that
// issues tickets in-process read the same Secret.
import type { Logger } from 'pino';
import { objectPath, Secrets, type Secret } from '../../runtime/resources.ts';
import type { RestClient } from '../../runtime/rest.ts';
import { MIN_KEY_BYTES, type Keyring } from './signing.ts';

export const PRIMARY_KEY = 'primary';
export const SECONDARY_KEY = 'secondary';

/** The keyring a Secret's data holds; throws naming what is wrong. */
export function keyringFromSecret(secret: Pick<Secret, 'data'>): Keyring {
  const read = (field: string) => {
    const value = secret.data?.[field];
    if (value === undefined) return undefined;
    const key = Buffer.from(value, 'base64');
    if (key.length < MIN_KEY_BYTES)
      throw new Error(
        `key ${field} has ${String(key.length)} bytes; at least ${String(MIN_KEY_BYTES)} are needed`,
      );
    return key;
  };
  const primary = read(PRIMARY_KEY);
  if (!primary) throw new Error(`the Secret has no key ${PRIMARY_KEY}`);
  const secondary = read(SECONDARY_KEY);
  return secondary ? { primary, secondary } : { primary };
}

export class SecretKeyring {
  private current: Keyring | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly client: RestClient;
  private readonly namespace: string;
  private readonly name: string;
  private readonly log: Logger;

  constructor(options: { client: RestClient; namespace: string; name: string; log: Logger }) {
    this.client = options.client;
    this.namespace = options.namespace;
    this.name = options.name;
    this.log = options.log;
  }

  /** The keys, or undefined while none could be read (the gateway then refuses with 503). */
  get keys(): Keyring | undefined {
    return this.current;
  }

  async refresh(): Promise<void> {
    try {
      const secret = await this.client.get<Secret>(objectPath(Secrets, this.namespace, this.name));
      this.current = keyringFromSecret(secret);
    } catch (err) {
      // Keep the keys read before: a passing API server outage must not lock everyone out.
      this.log.warn(
        { secret: `${this.namespace}/${this.name}`, err: (err as Error).message },
        'cannot read the ticket keys',
      );
    }
  }

  async start(intervalMs = 30_000): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
