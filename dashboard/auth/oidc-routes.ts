// The OpenID Connect routes: start a sign-in (to the provider, the pending sign-in in its cookie),
// the provider's answer (checked, then the signed sign-in cookie, no longer than the ID token), and
// sign-out's way through the provider's logout.
import { Router } from 'express';
import type { Dashboard } from '../context.ts';
import { errorPage } from '../views/errors.ts';
import {
  CALLBACK_PATH,
  openPending,
  PENDING_COOKIE,
  PENDING_LIFETIME_MS,
  sealPending,
  SignInRefused,
  type OidcSignIn,
} from './oidc.ts';
import { safeNext } from './safe-next.ts';
import { newSignIn, readCookie, sealSignIn, SESSION_COOKIE, setCookie } from './session-cookie.ts';

export const OIDC_START_PATH = '/signin/oidc';
/** Browsers keep cookies up to 4096 bytes, name and attributes included. */
const MAX_COOKIE_BYTES = 4000;

export function oidcRoutes(d: Dashboard, oidc: OidcSignIn): Router {
  const router = Router();
  const secure = d.config.publicUrl.protocol === 'https:';
  const refused = (err: unknown) =>
    err instanceof SignInRefused
      ? err
      : new SignInRefused(500, 'The sign-in failed; the error is in the log.');
  const clearPending = () => setCookie(PENDING_COOKIE, '', { secure, maxAgeSeconds: 0 });

  router.get(OIDC_START_PATH, async (req, res) => {
    const keys = d.keys.keys;
    if (!keys) {
      res.status(503).send(errorPage(503, 'The dashboard has no signing keys yet; try again shortly.').text);
      return;
    }
    try {
      const { url, pending } = await oidc.begin(safeNext(req.query.next), d.now());
      res.append(
        'Set-Cookie',
        setCookie(PENDING_COOKIE, sealPending(keys, pending), {
          secure,
          maxAgeSeconds: PENDING_LIFETIME_MS / 1000,
        }),
      );
      res.redirect(303, url.href);
    } catch (err) {
      const why = refused(err);
      if (why.status === 500) d.log.error({ err: (err as Error).message }, 'OpenID sign-in could not start');
      res.status(why.status).send(errorPage(why.status, why.message).text);
    }
  });

  router.get(CALLBACK_PATH, async (req, res) => {
    const keys = d.keys.keys;
    const pending =
      keys && openPending(keys, readCookie(req.headers.cookie, PENDING_COOKIE, secure), d.now());
    res.append('Set-Cookie', clearPending());
    if (!keys || !pending) {
      res
        .status(400)
        .send(
          errorPage(
            400,
            'No sign-in was started in this browser, or it took longer than 10 minutes. Sign in again from the dashboard.',
          ).text,
        );
      return;
    }
    try {
      const { identity, expiresAt } = await oidc.finish(
        new URL(req.originalUrl, d.config.publicUrl).search,
        pending,
      );
      if (identity.kind === 'refused') throw new SignInRefused(403, `Refused: ${identity.reason}.`);
      const now = d.now();
      const lifetime = Math.min(d.config.sessionLifetime, expiresAt - now);
      if (lifetime <= 0) throw new SignInRefused(403, 'Refused: the ID token has already expired.');
      const signIn = newSignIn(identity.user, identity.groups, 'oidc', now, lifetime);
      const cookie = setCookie(SESSION_COOKIE, sealSignIn(keys, signIn), {
        secure,
        maxAgeSeconds: lifetime / 1000,
      });
      // A browser drops a larger cookie without a word, and the user would go round between the
      // dashboard and the provider; say why instead.
      if (cookie.length > MAX_COOKIE_BYTES)
        throw new SignInRefused(
          403,
          `Refused: the sign-in of ${identity.user} names ${String(identity.groups.length)} groups, more than a browser cookie holds. Ask the facility to send the dashboard's client only the groups that matter here (a filtered groups claim).`,
        );
      res.append('Set-Cookie', cookie);
      d.log.info({ user: identity.user, groups: identity.groups, method: 'oidc' }, 'signed in');
      res.redirect(303, pending.next);
    } catch (err) {
      const why = refused(err);
      d.log.warn({ err: (err as Error).message }, 'OpenID sign-in refused');
      res.status(why.status).send(errorPage(why.status, why.message).text);
    }
  });

  return router;
}
