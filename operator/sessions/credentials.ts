// The session's credentials Secret (Jupyter token, VNC password). Status names it; it never holds them.
import { randomBytes, randomInt } from 'node:crypto';
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
 * Fresh credentials: a 256-bit base64url token, and a VNC password of 8 characters (about 46 bits:
 * VNC auth cannot take more). The password is therefore only safe because the NetworkPolicy makes the
 * gateway, which checks a signed per-user ticket first, the only way in.
 */
export function randomCredentials(): { token: string; vncPassword: string } {
  const chars = Array.from({ length: VNC_PASSWORD_LENGTH }, () =>
    VNC_ALPHABET.charAt(randomInt(VNC_ALPHABET.length)),
  );
  const vncPassword = chars.join('');
  return { token: randomBytes(32).toString('base64url'), vncPassword };
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
