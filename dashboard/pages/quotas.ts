// Quotas that apply to the user: the default for each user, their own, their groups' and their
// proposals', with the limits and what the operator's ledger says is in use (the user's own share of
// the per-user default, the total of a group or proposal quota).
import { Router } from 'express';
import type { Quota } from '../../crds/index.ts';
import { me } from '../auth/middleware.ts';
import { quotaUsage } from '../capacity/users.ts';
import type { Dashboard } from '../context.ts';
import { html } from '../http/html.ts';
import { page, type Viewer } from '../views/layout.ts';
import { proposalsOf } from './proposals-data.ts';

export function quotaApplies(
  q: Quota,
  viewer: Pick<Viewer, 'user' | 'groups'>,
  proposals: readonly string[],
): boolean {
  const s = q.spec.subject;
  switch (s.kind) {
    case 'EachUser':
      return true;
    case 'User':
      return s.name === viewer.user;
    case 'Group':
      return viewer.groups.includes(s.name ?? '');
    case 'Proposal':
      return proposals.includes(s.name ?? '');
  }
}

const LIMITS = ['sessions', 'cpu', 'memory', 'disk', 'gpus', 'maxLifetime'] as const;

export function quotaPages(d: Dashboard): Router {
  const router = Router();
  router.get('/quotas', async (_req, res) => {
    const viewer = me(res);
    const proposals = (await proposalsOf(d, viewer)).map((p) => p.proposal);
    const quotas = d.caches.quotas.list().filter((q) => quotaApplies(q, viewer, proposals));
    const body = html`<p class="notice">
        A session that would go over a quota waits as Queued and starts by itself, oldest first, when enough
        is free. The per-user default counts your sessions; group and proposal quotas count everyone's.
      </p>
      ${quotas.map((q) => {
        const used = quotaUsage(q, viewer.user) as Record<string, string | number | undefined> | undefined;
        const subject =
          q.spec.subject.kind === 'EachUser'
            ? 'Every user'
            : `${q.spec.subject.kind} ${q.spec.subject.name ?? ''}`;
        return html`<section class="quota">
          <h2>${q.metadata.name} <small>${subject}</small></h2>
          ${q.spec.description ? html`<p>${q.spec.description}</p>` : ''}
          <table>
            <thead>
              <tr>
                <th scope="col">Limit</th>
                <th scope="col">Allowed</th>
                <th scope="col">In use</th>
              </tr>
            </thead>
            <tbody>
              ${LIMITS.filter((k) => q.spec.limits[k] !== undefined).map(
                (k) =>
                  html`<tr>
                    <th scope="row">${k}</th>
                    <td>${String(q.spec.limits[k])}</td>
                    <td>
                      ${
                        k === 'maxLifetime'
                          ? '–'
                          : used?.[k] !== undefined
                            ? String(used[k])
                            : q.status
                              ? '0'
                              : 'not counted yet'
                      }
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>
        </section>`;
      })}`;
    res.send(page({ title: 'Quotas', viewer, active: '/quotas', body }).text);
  });
  return router;
}
