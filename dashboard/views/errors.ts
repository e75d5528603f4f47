// The error page: the status and what happened, in plain words.
import { html } from '../http/html.ts';
import { page, type Viewer } from './layout.ts';

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Sign in first',
  403: 'Not allowed',
  404: 'Not found',
  500: 'Something went wrong',
  503: 'Not ready',
};

export const errorPage = (status: number, message: string, viewer?: Viewer) =>
  page({
    title: TITLES[status] ?? 'Error',
    ...(viewer ? { viewer } : {}),
    body: html`<p class="error" role="alert">${message}</p>
      <p><a href="/">Back to the dashboard</a></p>`,
  });
