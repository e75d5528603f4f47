// The dashboard's Express application: security headers, static files, who is asking, sign-in, and
// the pages and actions behind the sign-in (admin pages behind the admin group), with the CSRF check
// on every form post.
import express, { Router, type ErrorRequestHandler } from 'express';
import { fileURLToPath } from 'node:url';
import { checkCsrf, identify, requireAdmin, requireUser, viewerOf } from './auth/middleware.ts';
import { authRoutes } from './auth/routes.ts';
import type { Dashboard } from './context.ts';
import { securityHeaders } from './http/security.ts';
import { liveEvents } from './live/events.ts';
import { adminImagePages } from './pages/admin-images.ts';
import { adminSessionPages } from './pages/admin-sessions.ts';
import { adminCapacityPages } from './pages/admin-capacity.ts';
import { adminImageDeletePages } from './pages/admin-image-delete.ts';
import { adminUserPages } from './pages/admin-users.ts';
import { launchPages } from './pages/launch.ts';
import { proposalPages } from './pages/proposals.ts';
import { quotaPages } from './pages/quotas.ts';
import { resourcePages } from './pages/resources.ts';
import { errorPage } from './views/errors.ts';

const STATIC_DIR = fileURLToPath(new URL('./static/', import.meta.url));

export function dashboardApp(d: Dashboard): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(securityHeaders(() => [d.config.gatewayPublicUrl.origin, ...(d.oidc?.formTargets() ?? [])]));
  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok\n');
  });
  app.use('/static', express.static(STATIC_DIR, { index: false, maxAge: '1h', fallthrough: false }));
  app.use(express.urlencoded({ extended: false, limit: '64kb' }));
  app.use(identify(d));
  app.use(authRoutes(d));
  app.get('/', (_req, res) => {
    res.redirect(303, viewerOf(res) ? '/proposals' : '/signin');
  });

  const signedIn = Router();
  signedIn.use(requireUser, checkCsrf(d.config.publicUrl));
  signedIn.use('/admin', requireAdmin);
  signedIn.use(
    proposalPages(d),
    launchPages(d),
    resourcePages(d),
    quotaPages(d),
    liveEvents(d),
    adminSessionPages(d),
    adminImagePages(d),
    adminImageDeletePages(d),
    adminCapacityPages(d),
    adminUserPages(d),
  );
  app.use(signedIn);
  app.use((_req, res) => {
    res.status(404).send(errorPage(404, 'There is no such page.', viewerOf(res)).text);
  });
  const onError: ErrorRequestHandler = (err: unknown, req, res, _next) => {
    const status = (err as { status?: number }).status;
    if (status && status >= 400 && status < 500) {
      res.status(status).send(errorPage(status, (err as Error).message, viewerOf(res)).text);
      return;
    }
    d.log.error({ err: (err as Error).message, path: req.path }, 'request failed');
    if (!res.headersSent)
      res
        .status(500)
        .send(errorPage(500, 'The dashboard could not answer; the error is in its log.', viewerOf(res)).text);
  };
  app.use(onError);
  return app;
}
