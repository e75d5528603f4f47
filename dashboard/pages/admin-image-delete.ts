// Admin: deleting a SessionImage, with a confirmation page that says what happens to the sessions
// using it (ADR 0012: running ones keep their settings; stopped ones cannot start again), written as
// the admin so that RBAC decides; a refusal is shown on the same page in the API server's words.
import { Router, type Response } from 'express';
import type { SessionImage } from '../../crds/index.ts';
import { SessionImages } from '../../operator/api.ts';
import { objectPath } from '../../runtime/resources.ts';
import { me } from '../auth/middleware.ts';
import type { Dashboard } from '../context.ts';
import { html } from '../http/html.ts';
import { UserClient } from '../kube/as-user.ts';
import { fieldErrors } from '../kube/field-errors.ts';
import { errorPage } from '../views/errors.ts';
import { csrfField, generalErrors, page, type Viewer } from '../views/layout.ts';
import { statusOf } from './launch.ts';

export interface ImageUse {
  total: number;
  /** Sessions whose desired state is Running: they keep running on the settings they started with. */
  running: number;
}

export function imageUse(d: Dashboard, name: string): ImageUse {
  const sessions = d.caches.sessions.list().filter((s) => s.spec.image === name);
  return { total: sessions.length, running: sessions.filter((s) => s.spec.state !== 'Stopped').length };
}

function confirmPage(viewer: Viewer, image: SessionImage, use: ImageUse, refusal: string[] = []) {
  const name = image.metadata.name;
  const body = html`${generalErrors(refusal)}
    <p>
      Delete <strong>${image.spec.displayName}</strong> (<code>${name}</code>) from the catalogue? Nobody can
      launch it afterwards.
    </p>
    <p class="notice">
      ${use.total === 0 ? 'No session uses this image.' : html`${use.total} sessions use this image, ${use.running} of them running or starting.`}
      Running sessions keep running with the image settings they started with; a stopped session of this image
      cannot start again until an image of this name is added back. To only stop new launches, edit the image
      and disable it instead.
    </p>
    <form method="post" action="/admin/images/${name}/delete" class="form">
      ${csrfField(viewer)}
      <button type="submit" class="danger">Delete ${name}</button>
      <a class="button" href="/admin/images/${name}">Cancel</a>
    </form>`;
  return page({ title: `Delete ${image.spec.displayName}`, viewer, active: '/admin/images', body });
}

export function adminImageDeletePages(d: Dashboard): Router {
  const router = Router();

  const noSuchImage = (res: Response, viewer: Viewer) => {
    res.status(404).send(errorPage(404, 'No such image.', viewer).text);
  };

  router.get('/admin/images/:name/delete', (req, res) => {
    const viewer = me(res);
    const image = d.caches.images.get(req.params.name);
    if (!image) {
      noSuchImage(res, viewer);
      return;
    }
    res.send(confirmPage(viewer, image, imageUse(d, image.metadata.name)).text);
  });

  router.post('/admin/images/:name/delete', async (req, res) => {
    const viewer = me(res);
    const name = req.params.name;
    try {
      await new UserClient(d.client, viewer).request('DELETE', objectPath(SessionImages, undefined, name));
      d.log.info({ user: viewer.user, image: name }, 'image deleted');
      res.redirect(303, `/admin/images?deleted=${encodeURIComponent(name)}`);
    } catch (err) {
      const image = d.caches.images.get(name);
      if (!image) {
        noSuchImage(res, viewer);
        return;
      }
      const { general, fields } = fieldErrors(err, {});
      res
        .status(statusOf(err))
        .send(confirmPage(viewer, image, imageUse(d, name), [...general, ...Object.values(fields)]).text);
    }
  });

  return router;
}
