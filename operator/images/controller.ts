// The SessionImage controller: one job, the image's status (how many sessions use it, and whether it
// can start new ones). It reconciles image keys; a session's change maps to its image's key (both the
// old and the new image when a session changes image), and the by-image index finds the sessions.
// A burst of a thousand sessions must not cost a thousand image writes: only changes that move the
// count wake the controller, and an image's status is written at most once per STATUS_INTERVAL_MS.
import { SessionImages } from '../api.ts';
import { SESSIONS_BY_IMAGE, sessionsCache } from '../indexes.ts';
import { writeStatus } from '../../runtime/apply.ts';
import { jsonEqual } from '../../runtime/equal.ts';
import type { OperatorContext } from '../../runtime/app.ts';
import type { Controller } from '../../runtime/controller.ts';
import type { Selectors } from '../../runtime/manager.ts';
import type { AnalysisSession } from '../../crds/index.ts';
import { imageStatus, usesImage } from './status.ts';

/** The shortest time between two status writes of one image: counts settle in batches during a burst. */
export const STATUS_INTERVAL_MS = 1000;

/** A session change matters to its image's count only if it moves the session in or out of it. */
const countMoved = (old: AnalysisSession, obj: AnalysisSession) =>
  old.spec.image !== obj.spec.image || usesImage(old) !== usesImage(obj);

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
  /** When each image's status was last written (monotonic ms). */
  const writtenAt = new Map<string, number>();
  return m.controller({
    name: 'sessionimage',
    for: SessionImages,
    ...(options.selectors ? { forSelectors: options.selectors } : {}),
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    watches: [
      {
        type: sessions.type,
        map: (s: AnalysisSession) => s.spec.image,
        predicate: (old, obj) => countMoved(old as AnalysisSession, obj as AnalysisSession),
      },
    ],
    reconcile: async (req) => {
      const image = images.get(req.key);
      if (!image) {
        writtenAt.delete(req.key);
        return undefined;
      }
      const status = imageStatus(image, sessions.byIndex(SESSIONS_BY_IMAGE, req.name), now());
      const wait = (writtenAt.get(req.key) ?? -Infinity) + STATUS_INTERVAL_MS - performance.now();
      if (wait > 0 && !jsonEqual(image.status, status)) return { requeueAfterMs: wait };
      // Skips the write when nothing changed, so a converged controller writes nothing.
      const write = await writeStatus(ctx.client, SessionImages, image, status);
      if (write.written) writtenAt.set(req.key, performance.now());
      return undefined;
    },
  });
}
