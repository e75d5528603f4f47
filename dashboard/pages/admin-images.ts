// Admin: the catalogue as a table, and the form to add and edit SessionImages, written as the admin
// (RBAC's daas-admin role); the API server's schema and CEL messages come back next to the fields.
import { Router, type Response } from 'express';
import type { SessionImage } from '../../crds/index.ts';
import { SessionImages } from '../../operator/api.ts';
import { collectionPath, objectPath } from '../../runtime/resources.ts';
import { me } from '../auth/middleware.ts';
import type { Dashboard } from '../context.ts';
import {
  IMAGE_FIELDS,
  imageFormValues,
  imageSpecPatch,
  newImageFromForm,
  runtimeOf,
} from '../forms/image.ts';
import { NEW_VM } from '../forms/vm-image.ts';
import type { FormBody } from '../forms/launch.ts';
import { html } from '../http/html.ts';
import { UserClient } from '../kube/as-user.ts';
import { fieldErrors } from '../kube/field-errors.ts';
import { errorPage } from '../views/errors.ts';
import { imageFormPage } from '../views/image-form.ts';
import { page, type Viewer } from '../views/layout.ts';
import { statusOf } from './launch.ts';

const NEW_IMAGE: Record<string, string> = {
  protocol: 'http',
  port: '8888',
  basePath: '/sessions/{namespace}/{session}/',
  defaultCpu: '2',
  defaultMemory: '8Gi',
  maxCpu: '8',
  maxMemory: '32Gi',
  defaultLifetime: '8h',
  maxLifetime: '72h',
  everyone: 'on',
};

const values = (body: FormBody) =>
  Object.fromEntries(Object.entries(body).filter(([, v]) => typeof v === 'string')) as Record<string, string>;

export function adminImagePages(d: Dashboard): Router {
  const router = Router();

  router.get('/admin/images', (req, res) => {
    const viewer = me(res);
    const deleted = typeof req.query.deleted === 'string' ? req.query.deleted : '';
    // The watch may not have delivered the deletion yet when the redirect arrives.
    const images = d.caches.images
      .list()
      .filter((i) => i.metadata.name !== deleted)
      .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    const body = html`${deleted ? html`<p class="notice" role="status">Deleted ${deleted}.</p>` : ''}
      <p>
        <a class="button primary" href="/admin/images/new">Add a container image</a>
        <a class="button" href="/admin/images/new?runtime=vm">Add a VM image</a>
      </p>
      <table class="catalogue">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Display name</th>
            <th scope="col">Runtime</th>
            <th scope="col">Protocol</th>
            <th scope="col">Max cpu / memory / GPUs</th>
            <th scope="col">Sessions</th>
            <th scope="col">State</th>
            <th scope="col"><span class="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          ${images.map((i) => {
            const max = i.spec.resources?.max;
            return html`<tr>
              <td><a href="/admin/images/${i.metadata.name}">${i.metadata.name}</a></td>
              <td>${i.spec.displayName}</td>
              <td>${i.spec.runtime}</td>
              <td>${i.spec.access.protocol}:${i.spec.access.port}</td>
              <td>${String(max?.cpu ?? '–')} / ${String(max?.memory ?? '–')} / ${String(max?.gpus ?? 0)}</td>
              <td>${i.status?.sessions ?? 0}</td>
              <td>${i.spec.disabled ? 'disabled' : i.spec.hidden ? 'hidden' : 'offered'}</td>
              <td>
                <a href="/admin/images/${i.metadata.name}/delete" aria-label="Delete ${i.metadata.name}"
                  >Delete</a
                >
              </td>
            </tr>`;
          })}
        </tbody>
      </table>`;
    res.send(page({ title: 'Catalogue', viewer, active: '/admin/images', body }).text);
  });

  router.get('/admin/images/new', (req, res) => {
    const vm = runtimeOf(req.query.runtime) === 'vm';
    res.send(
      imageFormPage({
        viewer: me(res),
        editing: false,
        values: vm ? { ...NEW_IMAGE, basePath: '', ...NEW_VM } : NEW_IMAGE,
        errors: { fields: {}, general: [] },
      }).text,
    );
  });

  const refused = (res: Response, viewer: Viewer, editing: boolean, body: FormBody, err: unknown) =>
    void res
      .status(statusOf(err))
      .send(
        imageFormPage({ viewer, editing, values: values(body), errors: fieldErrors(err, IMAGE_FIELDS) }).text,
      );

  router.post('/admin/images', async (req, res) => {
    const viewer = me(res);
    const body = req.body as FormBody;
    try {
      await new UserClient(d.client, viewer).request('POST', collectionPath(SessionImages), {
        body: newImageFromForm(body),
      });
      d.log.info({ user: viewer.user, image: body.name }, 'image added');
      res.redirect(303, '/admin/images');
    } catch (err) {
      refused(res, viewer, false, body, err);
    }
  });

  router.get('/admin/images/:name', (req, res) => {
    const viewer = me(res);
    const image = d.caches.images.get(req.params.name);
    if (!image) return void res.status(404).send(errorPage(404, 'No such image.', viewer).text);
    res.send(
      imageFormPage({
        viewer,
        editing: true,
        values: imageFormValues(image),
        errors: { fields: {}, general: [] },
      }).text,
    );
  });

  router.post('/admin/images/:name', async (req, res) => {
    const viewer = me(res);
    const posted = req.body as FormBody;
    // The runtime is immutable: the stored image's decides which fields the form owns.
    const runtime = d.caches.images.get(req.params.name)?.spec.runtime ?? runtimeOf(posted.runtime);
    const body: FormBody = { ...posted, name: req.params.name, runtime };
    try {
      await new UserClient(d.client, viewer).mergePatch<SessionImage>(
        objectPath(SessionImages, undefined, req.params.name),
        {
          spec: imageSpecPatch(body, runtime),
        },
      );
      d.log.info({ user: viewer.user, image: req.params.name }, 'image edited');
      res.redirect(303, '/admin/images');
    } catch (err) {
      refused(res, viewer, true, body, err);
    }
  });

  return router;
}
