// HMAC-SHA256 signed tokens (`<payload base64url>.<signature base64url>`) with a keyring of at most
// two keys: new tokens are signed with the primary, and tokens signed with either key are accepted,
// so keys rotate without downtime (the new key becomes primary, the old one stays as secondary).
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface Keyring {
  /** Signs every new token. */
  primary: Buffer;
  /** Still accepted (the key before the last rotation). */
  secondary?: Buffer;
}

/** Keys shorter than this are refused: HMAC-SHA256 wants at least 256 bits. */
export const MIN_KEY_BYTES = 32;

function mac(key: Buffer, text: string): Buffer {
  return createHmac('sha256', key).update(text).digest();
}

export function sign(keys: Keyring, payload: object): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${mac(keys.primary, body).toString('base64url')}`;
}

/** The payload if the signature holds under either key; undefined otherwise (never throws). */
export function verify(keys: Keyring, token: string): unknown {
  const [body, signature, extra] = token.split('.');
  if (!body || !signature || extra !== undefined) return undefined;
  const got = Buffer.from(signature, 'base64url');
  const valid = [keys.primary, keys.secondary].some((key) => {
    if (!key) return false;
    const want = mac(key, body);
    return got.length === want.length && timingSafeEqual(got, want);
  });
  if (!valid) return undefined;
  try {
    return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
