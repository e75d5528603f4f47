// Security headers on every answer: a Content-Security-Policy with no inline script or style, no
// framing, no MIME sniffing, no referrer (ticket links must not leak), and no caching of pages.
import type { RequestHandler } from 'express';

/** `formTargets`: origins a form's answer may redirect to (the gateway, the OpenID provider's logout). */
export function securityHeaders(formTargets: () => readonly string[]): RequestHandler {
  const csp = (targets: readonly string[]) =>
    [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data:",
      "connect-src 'self'",
      // Connect posts a form whose answer redirects to the gateway, sign-out one that may redirect to
      // the OpenID provider's logout: browsers check redirects of form submissions against form-action.
      `form-action 'self' ${targets.join(' ')}`,
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "object-src 'none'",
    ].join('; ');
  return (_req, res, next) => {
    res.set({
      'Content-Security-Policy': csp(formTargets()),
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'no-referrer',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cache-Control': 'no-store',
    });
    next();
  };
}
