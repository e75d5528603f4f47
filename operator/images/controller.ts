// The SessionImage controller: one job, the image's status (how many sessions use it, and whether it
// can start new ones). It reconciles image keys; a session's change maps to its image's key (both the
// old and the new image when a session changes image), and the by-image index finds the sessions.
import { SessionImages } from '../api.ts';
import { SESSIONS_BY_IMAGE, sessionsCache } from '../indexes.ts';
import { writeStatus } from '../../runtime/apply.ts';
import type { OperatorContext } from '../../runtime/app.ts';
import type { Controller } from '../../runtime/controller.ts';
import type { Selectors } from '../../runtime/manager.ts';
import type { AnalysisSession } from '../../crds/index.ts';
import { imageStatus } from './status.ts';

export interface ImageControllerOptions {
  workers?: number;
  /**
   * Only SessionImages these select. An operator limited to some namespaces counts only their
   * sessions, so two such operators must not share images (tests give each its own label).
   */
  selectors?: Selectors;
  now?: () => Date;
}

export function registerImageController(
  ctx: OperatorContext,
  options: ImageControllerOptions = {},
): Controller {
  const m = ctx.manager;
  const images = m.cache(SessionImages, options.selectors);
  const sessions = sessionsCache(m);
  const now = options.now ?? (() => new Date());
  return m.controller({
    name: 'sessionimage',
    for: SessionImages,
    ...(options.selectors ? { forSelectors: options.selectors } : {}),
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    watches: [{ type: sessions.type, map: (s: AnalysisSession) => s.spec.image }],
    reconcile: async (req) => {
      const image = images.get(req.key);
      if (!image) return;
      const using = sessions.byIndex(SESSIONS_BY_IMAGE, req.name);
      // Skips the write when nothing changed, so a converged controller writes nothing.
      await writeStatus(ctx.client, SessionImages, image, imageStatus(image, using, now()));
    },
  });
}
