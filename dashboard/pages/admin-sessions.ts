// Admin: every session of every proposal, filtered by proposal, user, image and phase, with the
// same actions as the owner's (written as the admin: RBAC's daas-admin role allows them).
import { Router } from 'express';
import { SESSION_PHASES, type AnalysisSession } from '../../crds/index.ts';
import { me } from '../auth/middleware.ts';
import type { Dashboard } from '../context.ts';
import { html } from '../http/html.ts';
import { byNewest } from '../kube/caches.ts';
import { page } from '../views/layout.ts';
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

export function adminSessionPages(d: Dashboard): Router {
  const router = Router();
  router.get('/admin/sessions', (req, res) => {
    const viewer = me(res);
    const q = req.query as Record<string, unknown>;
    const pick = (k: string) => (typeof q[k] === 'string' && q[k] ? q[k] : undefined);
    const filter: SessionFilter = {
      proposal: pick('proposal'),
      user: pick('user'),
      image: pick('image'),
      phase: pick('phase'),
    };
    const all = d.caches.sessions.list();
    const distinct = (f: (s: AnalysisSession) => string) => [...new Set(all.map(f))].sort();
    const shown = all.filter((s) => matches(s, filter)).sort(byNewest);
    const back = req.originalUrl;
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
  return router;
}
