import { describe, expect, it } from 'vitest';
import { html } from './html.ts';

describe('html templates', () => {
  it('escapes values and keeps nested templates as markup', () => {
    const name = '<script>alert("x")</script>';
    const out = html`<p title="${name}">${[html`<b>${'a&b'}</b>`, ' ', 3, undefined, false]}</p>`;
    expect(out.text).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"><b>a&amp;b</b> 3</p>',
    );
  });
});
