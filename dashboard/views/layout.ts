// The page frame: header with the navigation for who is signed in, the main content, and the one
// script of the dashboard (static, so the Content-Security-Policy allows no inline script at all).
import { html, type Fragment, type Html } from '../http/html.ts';

export interface Viewer {
  user: string;
  groups: readonly string[];
  csrf: string;
  admin: boolean;
}

const NAV: { href: string; label: string; admin?: boolean }[] = [
  { href: '/proposals', label: 'Proposals' },
  { href: '/resources', label: 'Resources' },
  { href: '/quotas', label: 'Quotas' },
  { href: '/admin/sessions', label: 'All sessions', admin: true },
  { href: '/admin/images', label: 'Catalogue', admin: true },
  { href: '/admin/capacity', label: 'Capacity', admin: true },
  { href: '/admin/users', label: 'Users', admin: true },
];

export const csrfField = (viewer: Viewer) =>
  html`<input type="hidden" name="_csrf" value="${viewer.csrf}" />`;

export function page(options: { title: string; viewer?: Viewer; active?: string; body: Fragment }): Html {
  const { title, viewer, active, body } = options;
  const nav = viewer
    ? html`<nav aria-label="Main">
          <ul>
            ${NAV.filter((n) => !n.admin || viewer.admin).map(
              (n) =>
                html`<li>
                  <a href="${n.href}" ${n.href === active ? html` aria-current="page"` : ''}>${n.label}</a>
                </li>`,
            )}
          </ul>
        </nav>
        <form method="post" action="/signout" class="signout">
          ${csrfField(viewer)}<span>${viewer.user}${viewer.admin ? ' (admin)' : ''}</span>
          <button type="submit">Sign out</button>
        </form>`
    : '';
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · DAAS</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href="/static/dashboard.css" />
        <script src="/static/live.js" defer></script>
      </head>
      <body>
        <header><a class="brand" href="/">DAAS</a>${nav}</header>
        <main id="main">
          <h1>${title}</h1>
          ${body}
        </main>
      </body>
    </html> `;
}

/** Messages from the API server that name no form field, above the form. */
export const generalErrors = (messages: readonly string[], heading = 'The API server refused this:') =>
  messages.length
    ? html`<div class="error" role="alert">
        <p>${heading}</p>
        <ul>
          ${messages.map((m) => html`<li>${m}</li>`)}
        </ul>
      </div>`
    : '';

/** A labelled input with its error (aria-describedby), as every form uses. */
export function field(options: {
  name: string;
  label: string;
  value?: string;
  error?: string;
  hint?: string;
  type?: string;
  attrs?: Html;
}): Html {
  const id = `f-${options.name}`;
  const described = [options.hint ? `${id}-hint` : '', options.error ? `${id}-error` : '']
    .filter(Boolean)
    .join(' ');
  return html`<div class="field${options.error ? ' invalid' : ''}">
    <label for="${id}">${options.label}</label>
    ${options.hint ? html`<small id="${id}-hint">${options.hint}</small>` : ''}
    <input
      id="${id}"
      name="${options.name}"
      type="${options.type ?? 'text'}"
      value="${options.value ?? ''}"
      ${
        described ? html` aria-describedby="${described}"` : ''
      }${options.error ? html` aria-invalid="true"` : ''}${options.attrs ?? ''}
    />
    ${options.error ? html`<p class="field-error" id="${id}-error">${options.error}</p>` : ''}
  </div>`;
}
