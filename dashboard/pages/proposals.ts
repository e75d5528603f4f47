// The scientist's proposals (★ favorites first) and one proposal's page: its experiment sessions,
// its analysis sessions, and a Launch per image the user may use.
import { Router } from 'express';
import { me } from '../auth/middleware.ts';
import type { Dashboard } from '../context.ts';
import { html } from '../http/html.ts';
import { byNewest } from '../kube/caches.ts';
import { imageOffered } from '../kube/catalogue.ts';
import { errorPage } from '../views/errors.ts';
import { csrfField, page } from '../views/layout.ts';
import { CARD_LIMIT, sessionCard } from '../views/session-card.ts';
import { proposalOf, proposalsOf } from './proposals-data.ts';

export function proposalPages(d: Dashboard): Router {
  const router = Router();

  router.get('/proposals', async (_req, res) => {
    const viewer = me(res);
    const [proposals, favorites] = await Promise.all([proposalsOf(d, viewer), d.favorites.of(viewer.user)]);
    const sorted = [...proposals].sort(
      (a, b) => Number(favorites.includes(b.namespace)) - Number(favorites.includes(a.namespace)),
    );
    const body = sorted.length
      ? html`<ul class="proposals">
          ${sorted.map((p) => {
            const fav = favorites.includes(p.namespace);
            return html`<li class="proposal">
              <form method="post" action="/favorites/${p.namespace}" class="star">
                ${csrfField(viewer)}<button
                  type="submit"
                  aria-pressed="${String(fav)}"
                  aria-label="${fav ? `Remove ${p.proposal} from favorites` : `Add ${p.proposal} to favorites`}"
                >
                  ${fav ? '★' : '☆'}
                </button>
              </form>
              <div>
                <h2>
                  <a href="/proposals/${p.namespace}">${p.proposal}</a>
                  ${p.title ? html`<span class="title">${p.title}</span>` : ''}
                </h2>
                <p class="meta">
                  Beamline ${p.beamline ?? '–'} · ${String(d.caches.sessions.list(p.namespace).length)}
                  sessions
                </p>
                ${p.abstract ? html`<p class="abstract">${p.abstract}</p>` : ''}
              </div>
            </li>`;
          })}
        </ul>`
      : html`<p>You are not a member of any proposal yet.</p>`;
    res.send(page({ title: 'Proposals', viewer, active: '/proposals', body }).text);
  });

  router.post('/favorites/:namespace', async (req, res) => {
    const viewer = me(res);
    const namespace = req.params.namespace;
    if (!(await proposalOf(d, viewer, namespace))?.member) {
      res.status(404).send(errorPage(404, 'No such proposal of yours.', viewer).text);
      return;
    }
    await d.favorites.toggle(viewer.user, namespace);
    res.redirect(303, '/proposals');
  });

  router.get('/proposals/:namespace', async (req, res) => {
    const viewer = me(res);
    const found = await proposalOf(d, viewer, req.params.namespace);
    // A proposal the user is not a member of does not exist for them.
    if (!found || (!found.member && !viewer.admin)) {
      res.status(404).send(errorPage(404, 'No such proposal of yours.', viewer).text);
      return;
    }
    const { info } = found;
    const images = d.caches.images
      .list()
      .filter((i) => imageOffered(i, info, viewer.groups, viewer.admin))
      .sort((a, b) => a.spec.displayName.localeCompare(b.spec.displayName));
    const sessions = d.caches.sessions.list(info.namespace).sort(byNewest);
    const body = html` <p class="meta">${info.title ?? ''} · Beamline ${info.beamline ?? '–'}</p>
      ${info.abstract ? html`<p class="abstract">${info.abstract}</p>` : ''}
      <h2>Experiment sessions</h2>
      ${
        info.experimentSessions.length
          ? html`<ul class="experiment-sessions">
              ${info.experimentSessions.map(
                (s) =>
                  html`<li>
                    <details>
                      <summary>${s}: Launch…</summary>
                      <ul class="launch-menu" aria-label="Launch on ${s}">
                        ${images.map(
                          (i) =>
                            html`<li>
                              <a
                                href="/proposals/${info.namespace}/launch/${i.metadata.name}?experimentSession=${encodeURIComponent(s)}"
                                >${i.spec.displayName} on ${s}</a
                              >
                            </li>`,
                        )}
                      </ul>
                    </details>
                  </li>`,
              )}
            </ul>`
          : html`<p>None listed.</p>`
      }
      <h2>Launch</h2>
      <ul class="launch">
        ${images.map(
          (i) =>
            html`<li>
              <a class="button" href="/proposals/${info.namespace}/launch/${i.metadata.name}"
                >Launch ${i.spec.displayName}</a
              >
              ${i.spec.description ? html`<small>${i.spec.description}</small>` : ''}
            </li>`,
        )}
      </ul>
      <h2>Sessions</h2>
      <div class="cards" data-live="proposal" data-namespace="${info.namespace}">
        ${
          sessions.length > CARD_LIMIT
            ? html`<p>The newest ${CARD_LIMIT} of ${sessions.length} sessions.</p>`
            : ''
        }
        ${sessions.slice(0, CARD_LIMIT).map((s) =>
          sessionCard({
            session: s,
            image: d.caches.images.get(s.spec.image),
            viewer,
            canManage: found.member,
          }),
        )}
      </div>`;
    res.send(page({ title: `Proposal ${info.proposal}`, viewer, active: '/proposals', body }).text);
  });

  return router;
}
