// The two RFB handshakes of a gateway VNC tunnel: towards the session's VNC server the gateway is the
// client and answers VNC authentication (security type 2) with the session's password; towards the
// browser it is the server and offers only security type None. After both, bytes pass unchanged.
import type { ByteReader } from './byte-reader.ts';
import { vncAuthResponse } from './vnc-auth.ts';

export const SECURITY_NONE = 1;
export const SECURITY_VNC_AUTH = 2;

/** RFB protocol minor version (3.3, 3.7 or 3.8) from a 12-byte ProtocolVersion message. */
export function parseVersion(message: Buffer): number {
  const match = /^RFB (\d{3})\.(\d{3})\n$/.exec(message.toString('latin1'));
  if (!match || Number(match[1]) !== 3)
    throw new Error(`not an RFB 3.x server or client: ${JSON.stringify(message.toString('latin1'))}`);
  const minor = Number(match[2]);
  // Anything newer than 3.8 speaks 3.8; 3.4 and 3.6 (old UltraVNC) speak 3.3 (RFC 6143 §7.1.1).
  return minor >= 8 ? 8 : minor === 7 ? 7 : 3;
}

const versionMessage = (minor: number) => Buffer.from(`RFB 003.00${String(minor)}\n`, 'latin1');

async function readReason(reader: ByteReader): Promise<string> {
  const length = await reader.readUint32();
  return (await reader.read(Math.min(length, 4096))).toString('utf8');
}

/**
 * Runs the client side of the handshake with a VNC server up to (not including) ClientInit.
 * Throws with the server's words when it refuses.
 */
export async function authenticateToServer(
  reader: ByteReader,
  write: (data: Buffer) => void,
  password: string | undefined,
): Promise<void> {
  const minor = parseVersion(await reader.read(12));
  write(versionMessage(minor));
  let type: number;
  if (minor === 3) {
    type = await reader.readUint32();
    if (type === 0) throw new Error(`the VNC server refused: ${await readReason(reader)}`);
  } else {
    const count = await reader.readUint8();
    if (count === 0) throw new Error(`the VNC server refused: ${await readReason(reader)}`);
    const offered = [...(await reader.read(count))];
    if (password !== undefined && offered.includes(SECURITY_VNC_AUTH)) type = SECURITY_VNC_AUTH;
    else if (offered.includes(SECURITY_NONE)) type = SECURITY_NONE;
    else
      throw new Error(
        `the VNC server offers no security type the gateway speaks (offered ${offered.join(', ')})`,
      );
    write(Buffer.from([type]));
  }
  if (type === SECURITY_VNC_AUTH) {
    if (password === undefined) throw new Error('the VNC server wants a password and the session has none');
    write(vncAuthResponse(password, await reader.read(16)));
  } else if (type !== SECURITY_NONE) {
    throw new Error(`the VNC server chose security type ${String(type)}, which the gateway does not speak`);
  }
  // SecurityResult: always in 3.8, only after authentication before it.
  if (minor === 8 || type === SECURITY_VNC_AUTH) {
    const result = await reader.readUint32();
    if (result !== 0) {
      const reason = minor === 8 ? await readReason(reader) : 'authentication failed';
      throw new Error(`the VNC server refused the session's password: ${reason}`);
    }
  }
}

/** Runs the server side of the handshake with the browser, offering security type None only. */
export async function greetBrowser(reader: ByteReader, write: (data: Buffer) => void): Promise<void> {
  write(versionMessage(8));
  const minor = parseVersion(await reader.read(12));
  if (minor === 3) {
    const none = Buffer.alloc(4);
    none.writeUInt32BE(SECURITY_NONE);
    write(none);
    return;
  }
  write(Buffer.from([1, SECURITY_NONE]));
  const chosen = await reader.readUint8();
  if (chosen !== SECURITY_NONE)
    throw new Error(`the browser chose security type ${String(chosen)}, not None`);
  if (minor === 8) write(Buffer.alloc(4)); // SecurityResult OK
}
