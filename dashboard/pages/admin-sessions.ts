// Admin: every session of every proposal, filtered by proposal, user, image and phase, with the
// same actions as the owner's and a bulk stop (written as the admin: RBAC's daas-admin role allows them).
import { Router } from 'express';
import { SESSION_PHASES, type AnalysisSession } from '../../crds/index.ts';
import { me } from '../auth/middleware.ts';
import type { Dashboard } from '../context.ts';
import { html } from '../http/html.ts';
import { byNewest } from '../kube/caches.ts';
import { csrfField, generalErrors, page } from '../views/layout.ts';
import { AnalysisSessions } from '../../operator/api.ts';
import { objectPath } from '../../runtime/resources.ts';
import { UserClient } from '../kube/as-user.ts';
import { CARD_LIMIT, sessionCard } from '../views/session-card.ts';

export interface SessionFilter {
  proposal?: string;
  user?: string;
  image?: string;
  phase?: string;
}

export function matches(s: AnalysisSession, f: SessionFilter): boolean {
  return (
    (!f.proposal || s.spec.proposal === f.proposal) &&
    (!f.user || s.spec.owner === f.user || (s.spec.sharedWith ?? []).includes(f.user)) &&
    (!f.image || s.spec.image === f.image) &&
    (!f.phase || (s.status?.phase ?? 'Pending') === f.phase)
  );
}

const select = (name: string, label: string, options: readonly string[], value: string | undefined) =>
  html`<div class="field">
    <label for="q-${name}">${label}</label
    ><select id="q-${name}" name="${name}">
      <option value="">Any</option>
      ${options.map((o) => html`<option${o === value ? html` selected` : ''}>${o}</option>`)}
    </select>
  </div>`;

export function filterOf(q: Record<string, unknown>): SessionFilter {
  const pick = (k: string) => (typeof q[k] === 'string' && q[k] ? q[k] : undefined);
  return { proposal: pick('proposal'), user: pick('user'), image: pick('image'), phase: pick('phase') };
}

const filterQuery = (f: SessionFilter) =>
  new URLSearchParams(
    Object.entries(f).filter((e): e is [string, string] => typeof e[1] === 'string'),
  ).toString();

export function adminSessionPages(d: Dashboard): Router {
  const router = Router();
  router.get('/admin/sessions', (req, res) => {
    const viewer = me(res);
    const filter = filterOf(req.query);
    const all = d.caches.sessions.list();
    const distinct = (f: (s: AnalysisSession) => string) => [...new Set(all.map(f))].sort();
    const shown = all.filter((s) => matches(s, filter)).sort(byNewest);
    const back = req.originalUrl;
    const running = shown.filter((s) => s.spec.state !== 'Stopped');
    const failures = typeof req.query.failed === 'string' ? req.query.failed.split('\n').filter(Boolean) : [];
    const body = html`<form method="get" class="filters" aria-label="Filter sessions">
        ${select(
          'proposal',
          'Proposal',
          distinct((s) => s.spec.proposal),
          filter.proposal,
        )}
        ${select(
          'user',
          'User',
          distinct((s) => s.spec.owner),
          filter.user,
        )}
        ${select(
          'image',
          'Image',
          distinct((s) => s.spec.image),
          filter.image,
        )}
        ${select('phase', 'Phase', SESSION_PHASES, filter.phase)}
        <button type="submit">Filter</button>
      </form>
      <p>
        ${shown.length} of ${all.length}
        sessions${
          shown.length > CARD_LIMIT
            ? `; the newest ${String(CARD_LIMIT)} are shown, filter to see others`
            : ''
        }.
      </p>
      ${
        running.length
          ? html`<form method="post" action="/admin/sessions/stop" class="bulk">
              ${csrfField(viewer)}
              ${Object.entries(filter).map(([k, v]) =>
                typeof v === 'string' ? html`<input type="hidden" name="${k}" value="${v}" />` : '',
              )}
              <button type="submit" data-confirm="Stop ${running.length} sessions?">
                Stop the ${running.length} running sessions that match
              </button>
            </form>`
          : ''
      }
      ${generalErrors(failures, 'Not stopped:')}
      <div class="cards" data-live="all">
        ${shown.slice(0, CARD_LIMIT).map((s) =>
          sessionCard({
            session: s,
            image: d.caches.images.get(s.spec.image),
            viewer,
            canManage: true,
            back,
          }),
        )}
      </div>`;
    res.send(page({ title: 'All sessions', viewer, active: '/admin/sessions', body }).text);
  });
  // Bulk stop: every matching session that should run, stopped as the admin (one patch each; RBAC
  // and the API server decide each one, and the refusals are listed).
  router.post('/admin/sessions/stop', async (req, res) => {
    const viewer = me(res);
    const filter = filterOf(req.body as Record<string, unknown>);
    const targets = d.caches.sessions.list().filter((s) => matches(s, filter) && s.spec.state !== 'Stopped');
    const asAdmin = new UserClient(d.client, viewer);
    const results = await Promise.allSettled(
      targets.map((s) =>
        asAdmin.mergePatch(objectPath(AnalysisSessions, s.metadata.namespace, s.metadata.name), {
          spec: { state: 'Stopped' },
        }),
      ),
    );
    const failed = results.flatMap((r, i) =>
      r.status === 'rejected' ? [`${targets[i]?.metadata.name ?? ''}: ${(r.reason as Error).message}`] : [],
    );
    d.log.info(
      { user: viewer.user, filter, stopped: targets.length - failed.length, failed: failed.length },
      'bulk stop',
    );
    const query = new URLSearchParams(filterQuery(filter));
    if (failed.length) query.set('failed', failed.join('\n'));
    res.redirect(303, `/admin/sessions?${query.toString()}`);
  });
  return router;
}
