// Who is asking: a trusted proxy's headers (per request) or the signed sign-in cookie; then the
// guards: signed in, admin, and the CSRF token (plus the Origin, when the browser sends one) on
// every form post.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Dashboard } from '../context.ts';
import { errorPage } from '../views/errors.ts';
import type { Viewer } from '../views/layout.ts';
import { openSignIn, readCookie, SESSION_COOKIE } from './session-cookie.ts';
import { proxyIdentity } from './trusted-proxy.ts';

export const viewerOf = (res: Response): Viewer | undefined => res.locals.viewer as Viewer | undefined;

/** The signed-in viewer of a guarded route (requireUser ran before). */
export function me(res: Response): Viewer {
  const viewer = viewerOf(res);
  if (!viewer) throw new Error('route needs requireUser');
  return viewer;
}

export function identify(d: Dashboard): RequestHandler {
  return (req, res, next) => {
    const keys = d.keys.keys;
    const fromProxy = proxyIdentity(req.socket.remoteAddress, req.headers, {
      proxies: d.config.trustedProxies,
      secret: d.proxySecret,
      userHeader: d.config.trustedUserHeader,
      groupsHeader: d.config.trustedGroupsHeader,
      secretHeader: d.config.trustedSecretHeader,
    });
    if (fromProxy.kind === 'refused') {
      d.log.warn({ from: req.socket.remoteAddress, reason: fromProxy.reason }, 'identity headers refused');
      res.status(403).send(errorPage(403, `Refused: ${fromProxy.reason}.`).text);
      return;
    }
    if (!keys) {
      res.status(503).send(errorPage(503, 'The dashboard has no signing keys yet; try again shortly.').text);
      return;
    }
    if (fromProxy.kind === 'user') {
      const csrf = createHmac('sha256', keys.primary).update(`csrf:${fromProxy.user}`).digest('base64url');
      res.locals.viewer = {
        user: fromProxy.user,
        groups: fromProxy.groups,
        csrf,
        admin: fromProxy.groups.includes(d.config.adminGroup),
      } satisfies Viewer;
    } else {
      const secure = d.config.publicUrl.protocol === 'https:';
      const signIn = openSignIn(keys, readCookie(req.headers.cookie, SESSION_COOKIE, secure), d.now());
      if (signIn)
        res.locals.viewer = {
          user: signIn.user,
          groups: signIn.groups,
          csrf: signIn.csrf,
          admin: signIn.groups.includes(d.config.adminGroup),
        } satisfies Viewer;
    }
    next();
  };
}

export const requireUser: RequestHandler = (req, res, next) => {
  if (viewerOf(res)) {
    next();
    return;
  }
  if (req.method === 'GET' && req.headers.accept?.includes('text/html')) {
    res.redirect(303, `/signin?next=${encodeURIComponent(req.originalUrl)}`);
    return;
  }
  res.status(401).send(errorPage(401, 'Sign in first.').text);
};

export const requireAdmin: RequestHandler = (_req, res, next) => {
  if (viewerOf(res)?.admin) {
    next();
    return;
  }
  res.status(403).send(errorPage(403, 'Only facility admins may open this page.', viewerOf(res)).text);
};

export const sameText = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** Every POST carries the viewer's CSRF token; a cross-site Origin is refused outright. */
export function checkCsrf(publicUrl: URL): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'POST') {
      next();
      return;
    }
    const origin = req.headers.origin;
    if (origin && origin !== publicUrl.origin && origin !== 'null')
      return void res.status(403).send(errorPage(403, 'Refused: the form was sent from another site.').text);
    const viewer = viewerOf(res);
    const sent = (req.body as Record<string, unknown> | undefined)?._csrf;
    if (!viewer || typeof sent !== 'string' || !sameText(sent, viewer.csrf))
      return void res
        .status(403)
        .send(
          errorPage(403, 'Refused: the form has no valid CSRF token. Reload the page and try again.', viewer)
            .text,
        );
    next();
  };
}
