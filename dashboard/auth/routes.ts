// Sign-in and sign-out. The demo sign-in lists the sample users and is refused unless enabled; its
// form is protected by a double-submit token (a random cookie the form repeats), so another site
// cannot sign a browser in as someone else. Sign-out needs the viewer's CSRF token like every form.
import { randomBytes } from 'node:crypto';
import { Router, type Request } from 'express';
import type { Dashboard } from '../context.ts';
import { html } from '../http/html.ts';
import { errorPage } from '../views/errors.ts';
import { page } from '../views/layout.ts';
import { DEMO_USERS } from './demo-users.ts';
import { checkCsrf, sameText, viewerOf } from './middleware.ts';
import { newSignIn, parseCookies, sealSignIn, SESSION_COOKIE, setCookie } from './session-cookie.ts';

const SIGNIN_CSRF_COOKIE = 'daas_signin';

/** Only a path of this site: never another host (`//evil`, `/\evil`) after sign-in. */
export const safeNext = (next: unknown) =>
  typeof next === 'string' && /^\/(?![/\\])/.test(next) ? next : '/proposals';

export function authRoutes(d: Dashboard): Router {
  const router = Router();
  const secure = d.config.publicUrl.protocol === 'https:';

  router.get('/signin', (req, res) => {
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
    const cookie = parseCookies(req.headers.cookie).get(SIGNIN_CSRF_COOKIE) ?? '';
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

  router.post('/signout', checkCsrf(d.config.publicUrl), (_req, res) => {
    const viewer = viewerOf(res);
    res.append('Set-Cookie', setCookie(SESSION_COOKIE, '', { secure, maxAgeSeconds: 0 }));
    if (viewer) d.log.info({ user: viewer.user }, 'signed out');
    res.redirect(303, '/signin');
  });

  return router;
}
