// Removes a secret from a response stream, even where it spans chunks: Jupyter writes its token into
// the pages it serves (data-jupyter-api-token, JupyterLab's page config), and the browser must never
// hold it. The page's scripts then call the API without a token, and the gateway adds it.
import { Transform, type TransformCallback } from 'node:stream';

/** Text the browser could read a secret in (binary downloads are passed through untouched). */
export function isText(contentType: string | undefined): boolean {
  return /^(text\/|application\/(json|javascript|xml|xhtml\+xml)|image\/svg\+xml)/i.test(contentType ?? '');
}

export class SecretScrubber extends Transform {
  private readonly secret: string;
  private tail = '';

  constructor(secret: string) {
    super();
    if (secret.length < 2) throw new Error('refusing to scrub a secret of fewer than 2 characters');
    this.secret = secret;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    // latin1 maps bytes one to one, so the text round-trips exactly; the secret is ASCII.
    const text = (this.tail + chunk.toString('latin1')).split(this.secret).join('');
    // Keep what could be the start of a secret split across chunks.
    const keep = this.secret.length - 1;
    this.tail = text.slice(-keep);
    const ready = text.slice(0, text.length - this.tail.length);
    done(null, ready ? Buffer.from(ready, 'latin1') : undefined);
  }

  override _flush(done: TransformCallback): void {
    done(null, this.tail ? Buffer.from(this.tail, 'latin1') : undefined);
  }
}
