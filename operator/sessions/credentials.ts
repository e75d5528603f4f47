// The session's credentials Secret (Jupyter token, VNC password), and where its values come from: an
// HMAC of the session UID under the proposal namespace's key (docs/adr/0011), so a Secret deleted or
// edited under a running workload is restored with the same values. Status names the Secret; it
// never holds the credentials.
import { createHash, createHmac } from 'node:crypto';
import type { V1Secret } from '@kubernetes/client-node';
import { childName, sessionLabels } from './names.ts';
import type { BuildInput } from './types.ts';

export const SECRET_TOKEN_KEY = 'token';
export const SECRET_PASSWORD_KEY = 'password';
/** Classic VNC authentication (RFB type 2) uses only the first 8 characters of a password. */
export const VNC_PASSWORD_LENGTH = 8;
/** No look-alikes (0/O, 1/l/I) and nothing a shell or URL would mangle. */
const VNC_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

export interface SessionCredentials {
  token: string;
  vncPassword?: string;
}

/**
 * The session's credentials, derived from the namespace's key and the session's UID: a 256-bit
 * base64url token, and for VNC images a password of 8 characters (about 46 bits: VNC auth cannot take
 * more). The password is therefore only safe because the NetworkPolicy makes the gateway, which
 * checks a signed per-user ticket first, the only way in.
 */
export function deriveCredentials(key: Buffer, sessionUid: string, protocol: string): SessionCredentials {
  const mac = (purpose: string) => createHmac('sha256', key).update(`${purpose}\0${sessionUid}`).digest();
  const token = mac('token').toString('base64url');
  if (protocol !== 'vnc') return { token };
  // 256 bytes of HMAC output; each byte below the largest multiple of the alphabet size picks a
  // character without bias, and 256 bytes always hold 8 such bytes in practice (p < 1e-100 otherwise).
  const limit = 256 - (256 % VNC_ALPHABET.length);
  const bytes = Buffer.concat(Array.from({ length: 8 }, (_, i) => mac(`vnc-password-${String(i)}`)));
  const chars = [...bytes].filter((b) => b < limit).slice(0, VNC_PASSWORD_LENGTH);
  return { token, vncPassword: chars.map((b) => VNC_ALPHABET.charAt(b % VNC_ALPHABET.length)).join('') };
}

/**
 * A fingerprint of credentials, recorded on the workload: it tells which credentials a running pod
 * started with without revealing them (the 256-bit token makes a search of the password hopeless).
 */
export function credentialsFingerprint(c: SessionCredentials): string {
  return createHash('sha256')
    .update(`daas-credentials\0${c.token}\0${c.vncPassword ?? ''}`)
    .digest('hex')
    .slice(0, 32);
}

/** Which credentials a pass uses, and whether the running workload must restart to get them. */
export interface CredentialsChoice {
  credentials: SessionCredentials;
  /** The running workload holds credentials the operator cannot restore: restart it with these. */
  restartWorkload: boolean;
}

/**
 * The credentials to put in the Secret: the derived ones, unless a running workload started with
 * others that the Secret still holds (a session started before derivation, or a namespace key that
 * was replaced): those are kept while it runs. A workload whose credentials are lost restarts.
 */
export function chooseCredentials(f: {
  derived: SessionCredentials;
  /** What the Secret holds now, if it exists. */
  secret: SessionCredentials | undefined;
  /** Whether a workload exists, and the fingerprint it recorded (undefined: it recorded none). */
  workload: { fingerprint: string | undefined } | undefined;
}): CredentialsChoice {
  const { derived, workload } = f;
  // A Secret written for another protocol (no VNC password) cannot serve a vnc workload.
  const secret = f.secret && (f.secret.vncPassword || !derived.vncPassword) ? f.secret : undefined;
  const keep = (credentials: SessionCredentials) => ({ credentials, restartWorkload: false });
  if (!workload) return keep(derived);
  if (workload.fingerprint === undefined)
    return secret ? keep(secret) : { credentials: derived, restartWorkload: true };
  if (credentialsFingerprint(derived) === workload.fingerprint) return keep(derived);
  if (secret && credentialsFingerprint(secret) === workload.fingerprint) return keep(secret);
  return { credentials: derived, restartWorkload: true };
}

const b64 = (value: string) => Buffer.from(value, 'utf8').toString('base64');

/** The credentials an existing Secret holds, so a re-applied Secret keeps them (undefined: none yet). */
export function decodeCredentials(
  secret: { [field: string]: unknown } | undefined,
): SessionCredentials | undefined {
  const data = secret?.data as Record<string, string> | undefined;
  if (!data?.[SECRET_TOKEN_KEY]) return undefined;
  const decode = (v: string | undefined) => (v ? Buffer.from(v, 'base64').toString('utf8') : undefined);
  const vncPassword = decode(data[SECRET_PASSWORD_KEY]);
  return { token: decode(data[SECRET_TOKEN_KEY]) ?? '', ...(vncPassword ? { vncPassword } : {}) };
}

export function generateSecret(input: BuildInput, credentials: SessionCredentials): V1Secret {
  const { session, namespace, image } = input;
  const data: Record<string, string> = { [SECRET_TOKEN_KEY]: b64(credentials.token) };
  if (image.spec.access.protocol === 'vnc') {
    if (credentials.vncPassword === undefined) throw new Error('a vnc session needs credentials.vncPassword');
    data[SECRET_PASSWORD_KEY] = b64(credentials.vncPassword.slice(0, VNC_PASSWORD_LENGTH));
  }
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: childName(session.metadata.name),
      namespace: namespace.name,
      labels: sessionLabels(session),
    },
    type: 'Opaque',
    immutable: false,
    // data, not stringData: stringData is write-only, so an applied copy would never compare equal.
    data,
  };
}
