// Resources: one card per session of the user (owned or shared with them), live; and the session
// actions every card posts: connect (a gateway ticket, then the gateway's page), extend, stop,
// resume, share and delete, each written as the user.
import { Router, type Response } from 'express';
import type { AnalysisSession } from '../../crds/index.ts';
import { AnalysisSessions } from '../../operator/api.ts';
import { objectPath } from '../../runtime/resources.ts';
import { me } from '../auth/middleware.ts';
import { safeNext } from '../auth/routes.ts';
import type { Dashboard } from '../context.ts';
import { extendedLifetime } from '../forms/extend.ts';
import { text, userList, type FormBody } from '../forms/launch.ts';
import { html } from '../http/html.ts';
import { UserClient } from '../kube/as-user.ts';
import { sessionsOf } from '../kube/caches.ts';
import { fieldErrors } from '../kube/field-errors.ts';
import { generalErrors, page, type Viewer } from '../views/layout.ts';
import { cardId, sessionCard } from '../views/session-card.ts';
import { statusOf } from './launch.ts';

function resourcesPage(d: Dashboard, viewer: Viewer, errors: string[] = []) {
  const sessions = sessionsOf(d.caches, viewer.user);
  const body = html`${generalErrors(errors, 'Not done:')}
    <p class="live-state" data-live-state>Updates live as sessions change.</p>
    <div class="cards" data-live="mine">
      ${
        sessions.length
          ? sessions.map((s) =>
              sessionCard({
                session: s,
                image: d.caches.images.get(s.spec.image),
                viewer,
                canManage: s.spec.owner === viewer.user || viewer.admin,
              }),
            )
          : html`<p class="empty">No sessions yet: launch one from a <a href="/proposals">proposal</a>.</p>`
      }
    </div>`;
  return page({ title: 'Resources', viewer, active: '/resources', body });
}

export function resourcePages(d: Dashboard): Router {
  const router = Router();

  router.get('/resources', (_req, res) => {
    res.send(resourcesPage(d, me(res)).text);
  });

  const refuse = (res: Response, viewer: Viewer, status: number, messages: string[]) => {
    res.status(status).send(resourcesPage(d, viewer, messages).text);
  };

  router.post('/resources/:namespace/:name/:verb', async (req, res) => {
    const viewer = me(res);
    const { namespace, name, verb } = req.params;
    const back = safeNext((req.body as Record<string, unknown>).back);
    const session = d.caches.sessions.get(`${namespace}/${name}`);
    const path = objectPath(AnalysisSessions, namespace, name);
    const asUser = new UserClient(d.client, viewer);
    const log = (action: string) => {
      d.log.info({ user: viewer.user, session: `${namespace}/${name}`, action }, 'session action');
    };
    try {
      if (verb === 'connect') {
        const out = d.gateway.issue(viewer.user, namespace, name);
        if (!out.ok) {
          refuse(res, viewer, 403, [`Cannot connect: ${out.refusal}.`]);
          return;
        }
        log('ticket issued');
        res.redirect(303, out.value.url);
        return;
      }
      let patch: object;
      if (verb === 'extend') {
        if (!session) {
          refuse(res, viewer, 404, [`No session ${name} in ${namespace}.`]);
          return;
        }
        const next = extendedLifetime(session, d.caches.images.get(session.spec.image));
        if (!next.ok) {
          refuse(res, viewer, 409, [`Cannot extend: ${next.reason}.`]);
          return;
        }
        patch = { spec: { lifetime: next.lifetime } };
      } else if (verb === 'share') {
        const users = userList(text(req.body as FormBody, 'sharedWith'));
        patch = { spec: { sharedWith: users.length ? users : null } };
      } else if (verb === 'stop' || verb === 'resume') {
        patch = { spec: { state: verb === 'stop' ? 'Stopped' : 'Running' } };
      } else if (verb === 'delete') {
        await asUser.request('DELETE', path);
        log(verb);
        res.redirect(303, back);
        return;
      } else {
        refuse(res, viewer, 404, [`Unknown action ${verb}.`]);
        return;
      }
      const updated = await asUser.mergePatch<AnalysisSession>(path, patch);
      log(verb);
      res.redirect(303, `${back}#${cardId(updated)}`);
    } catch (err) {
      const { general, fields } = fieldErrors(err, {});
      refuse(res, viewer, statusOf(err), [...general, ...Object.values(fields)]);
    }
  });

  return router;
}
