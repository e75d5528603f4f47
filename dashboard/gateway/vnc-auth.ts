// Classic VNC authentication (RFB security type 2): the server sends a 16-byte challenge, the client
// answers with it encrypted by DES under the password (8 bytes, zero-padded, each byte's bits
// mirrored). OpenSSL 3 keeps single DES in its legacy provider, which Node does not load; two-key
// triple DES with both keys equal is single DES (E_K(D_K(E_K(x))) = E_K(x)), and that is in the default one.
import { createCipheriv } from 'node:crypto';

/** DES-ECB encryption of whole 8-byte blocks under an 8-byte key. */
export function desEncrypt(key: Buffer, data: Buffer): Buffer {
  if (key.length !== 8) throw new Error('a DES key has 8 bytes');
  if (data.length % 8 !== 0) throw new Error('DES-ECB encrypts whole 8-byte blocks');
  const cipher = createCipheriv('des-ede-ecb', Buffer.concat([key, key]), null);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(data), cipher.final()]);
}

function mirrorBits(byte: number): number {
  let out = 0;
  for (let i = 0; i < 8; i++) if (byte & (1 << i)) out |= 1 << (7 - i);
  return out;
}

/** The DES key VNC derives from a password: its first 8 bytes, zero-padded, bits mirrored. */
export function vncKey(password: string): Buffer {
  const key = Buffer.alloc(8);
  Buffer.from(password, 'latin1').copy(key, 0, 0, 8);
  return Buffer.from(key.map(mirrorBits));
}

/** The client's answer to a 16-byte VNC authentication challenge. */
export function vncAuthResponse(password: string, challenge: Buffer): Buffer {
  if (challenge.length !== 16) throw new Error('a VNC challenge has 16 bytes');
  return desEncrypt(vncKey(password), challenge);
}
