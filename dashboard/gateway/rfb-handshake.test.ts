// The RFB handshakes against scripted peers: the versions spoken, the security types chosen, and the
// words a refusal is reported in (the real server's side is in vnc-tunnel.int.test.ts).
import { describe, expect, it } from 'vitest';
import { ByteReader } from './byte-reader.ts';
import { authenticateToServer, greetBrowser, parseVersion } from './rfb-handshake.ts';
import { vncAuthResponse } from './vnc-auth.ts';

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const reason = (text: string) => Buffer.concat([u32(Buffer.byteLength(text)), Buffer.from(text)]);

/** Feeds `incoming` to the handshake and collects what it writes. */
async function serverSide(incoming: Buffer[], password: string | undefined) {
  const reader = new ByteReader();
  for (const chunk of incoming) reader.push(chunk);
  reader.fail(new Error('the server closed the connection'));
  const written: Buffer[] = [];
  const outcome = await authenticateToServer(reader, (b) => written.push(b), password).then(
    () => 'ok',
    (err: unknown) => (err as Error).message,
  );
  return { outcome, written };
}

describe('towards the VNC server', () => {
  const challenge = Buffer.from('0123456789abcdef');

  it('speaks 3.8 and answers VNC authentication with the password', async () => {
    const { outcome, written } = await serverSide(
      [Buffer.from('RFB 003.008\n'), Buffer.from([2, 2, 1]), challenge, u32(0)],
      'secret12',
    );
    expect(outcome).toBe('ok');
    expect(written).toEqual([
      Buffer.from('RFB 003.008\n'),
      Buffer.from([2]),
      vncAuthResponse('secret12', challenge),
    ]);
  });

  it('speaks 3.3 to an old server that picks the type itself', async () => {
    const { outcome, written } = await serverSide(
      [Buffer.from('RFB 003.003\n'), u32(2), challenge, u32(0)],
      'pw',
    );
    expect(outcome).toBe('ok');
    expect(written[0]?.toString()).toBe('RFB 003.003\n');
  });

  it("reports the server's words when it refuses the password or the connection", async () => {
    const wrong = await serverSide(
      [
        Buffer.from('RFB 003.008\n'),
        Buffer.from([1, 2]),
        challenge,
        u32(1),
        reason('Authentication failure'),
      ],
      'nope',
    );
    expect(wrong.outcome).toBe("the VNC server refused the session's password: Authentication failure");
    const busy = await serverSide(
      [Buffer.from('RFB 003.008\n'), Buffer.from([0]), reason('Too many connections')],
      'pw',
    );
    expect(busy.outcome).toBe('the VNC server refused: Too many connections');
    const vencrypt = await serverSide([Buffer.from('RFB 003.008\n'), Buffer.from([1, 19])], 'pw');
    expect(vencrypt.outcome).toContain('offers no security type the gateway speaks (offered 19)');
    expect((await serverSide([Buffer.from('HTTP/1.1 400\r\n')], 'pw')).outcome).toMatch(/not an RFB 3.x/);
  });
});

describe('towards the browser', () => {
  it('offers security type None only and confirms it (3.8)', async () => {
    const reader = new ByteReader();
    const written: Buffer[] = [];
    const done = greetBrowser(reader, (b) => written.push(b));
    reader.push(Buffer.from('RFB 003.008\n'));
    reader.push(Buffer.from([1]));
    await done;
    expect(written).toEqual([Buffer.from('RFB 003.008\n'), Buffer.from([1, 1]), u32(0)]);
  });

  it('refuses a browser that asks for another type', async () => {
    const reader = new ByteReader();
    const done = greetBrowser(reader, () => undefined);
    reader.push(Buffer.concat([Buffer.from('RFB 003.008\n'), Buffer.from([2])]));
    await expect(done).rejects.toThrow('the browser chose security type 2, not None');
  });

  it('reads newer and older versions as RFC 6143 says', () => {
    expect(parseVersion(Buffer.from('RFB 003.889\n'))).toBe(8);
    expect(parseVersion(Buffer.from('RFB 003.007\n'))).toBe(7);
    expect(parseVersion(Buffer.from('RFB 003.006\n'))).toBe(3);
  });
});
