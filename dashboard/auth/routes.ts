// Sign-in and sign-out. With --oidc-issuer, sign-in goes to the OpenID provider (oidc-routes.ts).
// The demo sign-in lists the sample users and is refused unless enabled; its form is protected by a
// double-submit token (a random cookie the form repeats), so another site cannot sign a browser in as
// someone else. Sign-out needs the viewer's CSRF token like every form; an OpenID sign-in's sign-out
// then goes through the provider's logout (RP-initiated logout), which sends the browser back.
import { randomBytes } from 'node:crypto';
import { Router, type Request } from 'express';
import type { Dashboard } from '../context.ts';
import { html } from '../http/html.ts';
import { errorPage } from '../views/errors.ts';
import { page } from '../views/layout.ts';
import { DEMO_USERS } from './demo-users.ts';
import { checkCsrf, sameText, viewerOf } from './middleware.ts';
import { SIGNED_OUT_PATH } from './oidc.ts';
import { OIDC_START_PATH, oidcRoutes } from './oidc-routes.ts';
import { safeNext } from './safe-next.ts';
import {
  newSignIn,
  openSignIn,
  readCookie,
  sealSignIn,
  SESSION_COOKIE,
  setCookie,
} from './session-cookie.ts';

export { safeNext };

const SIGNIN_CSRF_COOKIE = 'daas_signin';

export function authRoutes(d: Dashboard): Router {
  const router = Router();
  const secure = d.config.publicUrl.protocol === 'https:';
  if (d.oidc) router.use(oidcRoutes(d, d.oidc));

  router.get('/signin', (req, res) => {
    const toProvider = `${OIDC_START_PATH}?next=${encodeURIComponent(safeNext(req.query.next))}`;
    if (d.oidc && !d.config.demoSignIn) {
      res.redirect(303, toProvider);
      return;
    }
    if (!d.config.demoSignIn) {
      res.send(
        page({
          title: 'Sign in',
          body: html`<p>
            This dashboard signs you in through your facility's login. Open it through the facility's address;
            if you see this page there, ask the facility's support.
          </p>`,
        }).text,
      );
      return;
    }
    const token = randomBytes(16).toString('base64url');
    res.append('Set-Cookie', setCookie(SIGNIN_CSRF_COOKIE, token, { secure, maxAgeSeconds: 3600 }));
    const next = safeNext(req.query.next);
    res.send(
      page({
        title: 'Sign in',
        body: html`<p class="notice">
            Demo sign-in: pick a sample user. No password is asked; never enable this in production.
          </p>
          ${d.oidc ? html`<p><a href="${toProvider}">Sign in with your facility account</a></p>` : ''}
          <ul class="users">
            ${DEMO_USERS.map(
              (u) =>
                html`<li>
                  <form method="post" action="/signin">
                    <input type="hidden" name="_csrf" value="${token}" /><input
                      type="hidden"
                      name="next"
                      value="${next}"
                    />
                    <button type="submit" name="user" value="${u.user}">Sign in as ${u.user}</button>
                    <span>${u.about}</span>
                  </form>
                </li>`,
            )}
          </ul>`,
      }).text,
    );
  });

  router.post('/signin', (req: Request, res) => {
    if (!d.config.demoSignIn) {
      res.status(403).send(errorPage(403, 'The demo sign-in is not enabled on this dashboard.').text);
      return;
    }
    const body = req.body as Record<string, unknown>;
    const cookie = readCookie(req.headers.cookie, SIGNIN_CSRF_COOKIE, secure) ?? '';
    if (typeof body._csrf !== 'string' || !cookie || !sameText(body._csrf, cookie)) {
      res
        .status(403)
        .send(
          errorPage(403, 'Refused: the sign-in form has no valid CSRF token. Reload it and try again.').text,
        );
      return;
    }
    const user = DEMO_USERS.find((u) => u.user === body.user);
    const keys = d.keys.keys;
    if (!user || !keys) {
      res.status(400).send(errorPage(400, 'Pick one of the sample users.').text);
      return;
    }
    const signIn = newSignIn(user.user, user.groups, 'demo', d.now(), d.config.sessionLifetime);
    res.append('Set-Cookie', setCookie(SIGNIN_CSRF_COOKIE, '', { secure, maxAgeSeconds: 0 }));
    res.append(
      'Set-Cookie',
      setCookie(SESSION_COOKIE, sealSignIn(keys, signIn), {
        secure,
        maxAgeSeconds: d.config.sessionLifetime / 1000,
      }),
    );
    d.log.info({ user: user.user, method: 'demo' }, 'signed in');
    res.redirect(303, safeNext(body.next));
  });

  router.post('/signout', checkCsrf(d.config.publicUrl), async (req, res) => {
    const viewer = viewerOf(res);
    const keys = d.keys.keys;
    const signIn = keys && openSignIn(keys, readCookie(req.headers.cookie, SESSION_COOKIE, secure), d.now());
    res.append('Set-Cookie', setCookie(SESSION_COOKIE, '', { secure, maxAgeSeconds: 0 }));
    if (viewer) d.log.info({ user: viewer.user }, 'signed out');
    // Signed out of the provider too, or its single sign-on would sign the browser straight back in.
    const logout = signIn?.method === 'oidc' ? await d.oidc?.endSessionUrl() : undefined;
    res.redirect(303, logout?.href ?? (d.oidc ? SIGNED_OUT_PATH : '/signin'));
  });

  router.get(SIGNED_OUT_PATH, (_req, res) => {
    res.send(
      page({
        title: 'Signed out',
        body: html`<p>You are signed out of the dashboard.</p>
          <p><a href="/signin">Sign in again</a></p>`,
      }).text,
    );
  });

  return router;
}
