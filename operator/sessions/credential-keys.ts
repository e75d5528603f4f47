// The key each proposal namespace's session credentials derive from (an HMAC of the session UID, see
// credentials.ts and docs/adr/0011), and the credentials a pass uses: one Secret per namespace,
// created by the first session that needs it and owned by none, so it is exactly as protected as the
// session Secrets it stands for.
import { randomBytes } from 'node:crypto';
import {
  APP_MANAGED_BY_LABEL,
  CREDENTIALS_FINGERPRINT_ANNOTATION,
  CREDENTIALS_KEY_LABEL,
  type AnalysisSession,
} from '../../crds/index.ts';
import { FIELD_MANAGER } from '../../runtime/apply.ts';
import { isConflict } from '../../runtime/errors.ts';
import type { Cache } from '../../runtime/informer.ts';
import { collectionPath, objectPath, Secrets, type KubeObject } from '../../runtime/resources.ts';
import type { RestClient } from '../../runtime/rest.ts';
import {
  chooseCredentials,
  decodeCredentials,
  deriveCredentials,
  type CredentialsChoice,
} from './credentials.ts';

export const CREDENTIALS_KEY_SECRET = 'daas-credentials-key';
const KEY_FIELD = 'key';

/** The key a Secret holds (undefined: none, or too short to be one the operator made). */
export function keyOf(secret: KubeObject | undefined): Buffer | undefined {
  const data = (secret as { data?: Record<string, string> } | undefined)?.data;
  const key = data?.[KEY_FIELD] ? Buffer.from(data[KEY_FIELD], 'base64') : undefined;
  return key && key.length >= 32 ? key : undefined;
}

export function keySecret(namespace: string, key: Buffer): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: CREDENTIALS_KEY_SECRET,
      namespace,
      labels: { [CREDENTIALS_KEY_LABEL]: 'true', [APP_MANAGED_BY_LABEL]: 'daas-operator' },
    },
    type: 'Opaque',
    data: { [KEY_FIELD]: key.toString('base64') },
  };
}

export class CredentialKeys {
  private readonly client: RestClient;
  private readonly cache: Cache<KubeObject>;

  constructor(client: RestClient, cache: Cache<KubeObject>) {
    this.client = client;
    this.cache = cache;
  }

  /**
   * The credentials a pass of `session` uses (chooseCredentials): derived from its namespace's key
   * and UID, unless its running `workload` started with others that `secret` still holds.
   */
  async credentialsFor(
    session: AnalysisSession,
    protocol: string,
    workload: KubeObject | undefined,
    secret: KubeObject | undefined,
  ): Promise<CredentialsChoice> {
    const key = await this.keyFor(session.metadata.namespace ?? '');
    const derived = deriveCredentials(key, session.metadata.uid ?? session.metadata.name, protocol);
    const live = workload && !workload.metadata.deletionTimestamp ? workload : undefined;
    const fingerprint = live?.metadata.annotations?.[CREDENTIALS_FINGERPRINT_ANNOTATION];
    const running = live ? { fingerprint } : undefined;
    return chooseCredentials({ derived, secret: decodeCredentials(secret), workload: running });
  }

  /** The namespace's key: from the cache, else created (create-only: a key is never overwritten). */
  async keyFor(namespace: string): Promise<Buffer> {
    const cached = keyOf(this.cache.get(`${namespace}/${CREDENTIALS_KEY_SECRET}`));
    if (cached) return cached;
    const fresh = randomBytes(32);
    try {
      await this.client.request('POST', collectionPath(Secrets, namespace), {
        body: keySecret(namespace, fresh),
        query: { fieldManager: FIELD_MANAGER },
      });
      return fresh;
    } catch (err) {
      // Created by a pass of another session that the cache has not seen yet: read it.
      if (!isConflict(err)) throw err;
    }
    const existing = keyOf(
      await this.client.request<KubeObject>('GET', objectPath(Secrets, namespace, CREDENTIALS_KEY_SECRET)),
    );
    if (!existing) throw new Error(`Secret ${namespace}/${CREDENTIALS_KEY_SECRET} holds no usable key`);
    return existing;
  }
}
