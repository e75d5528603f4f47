// HTML built from tagged templates: every interpolated value is escaped unless it is already Html
// (another template's output), so a session message or a user name can never become markup.
export class Html {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  toString(): string {
    return this.text;
  }
}

export type Fragment = Html | string | number | boolean | null | undefined | readonly Fragment[];

const SPECIAL = /[&<>"']/;

export function escapeHtml(text: string): string {
  // Most values (names, times, phases) have nothing to escape: one scan instead of five copies.
  if (!SPECIAL.test(text)) return text;
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

function render(value: Fragment): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return (value as readonly Fragment[]).map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Fragment[]): Html {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

/** Markup that is trusted as is (only for constants written in this code). */
export const raw = (text: string): Html => new Html(text);
