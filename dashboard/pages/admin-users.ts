// Admin: the users page: who runs what (sessions per user, by proposal and image) and their usage
// against every quota that applies to them, as the operator's ledger in each Quota's status has it.
import { Router } from 'express';
import { me } from '../auth/middleware.ts';
import { usersUsage, type QuotaUse } from '../capacity/users.ts';
import type { Dashboard } from '../context.ts';
import { html } from '../http/html.ts';
import { page } from '../views/layout.ts';

const quotaCell = (q: QuotaUse) =>
  html`<li>
    <strong>${q.quota}</strong> <small>(${q.subject}${q.own ? '' : ', everyone together'})</small>:
    ${q.limits.map((l, i) => html`${i ? ', ' : ''}${l.limit} ${l.used} of ${l.allowed}`)}${
      q.queued ? html`; <span class="queued">${q.queued} queued</span>` : ''
    }
  </li>`;

export function adminUserPages(d: Dashboard): Router {
  const router = Router();
  router.get('/admin/users', (_req, res) => {
    const viewer = me(res);
    const users = usersUsage(d.caches.sessions.list(), d.caches.quotas.list());
    const body = html`<p>
        Every user with a session, the busiest first. Quota usage is what the operator has counted (its ledger
        in each Quota's status); stopped sessions count for nothing.
      </p>
      <table class="users-usage">
        <thead>
          <tr>
            <th scope="col">User</th>
            <th scope="col">Sessions (running / all)</th>
            <th scope="col">By proposal</th>
            <th scope="col">By image</th>
            <th scope="col">Quotas: in use of allowed</th>
          </tr>
        </thead>
        <tbody>
          ${
            users.length
              ? users.map(
                  (u) =>
                    html`<tr>
                      <th scope="row">
                        <a href="/admin/sessions?user=${encodeURIComponent(u.user)}">${u.user}</a>
                      </th>
                      <td>${u.active} / ${u.sessions}</td>
                      <td>${u.byProposal.map((p, i) => html`${i ? ', ' : ''}${p.name} (${p.count})`)}</td>
                      <td>${u.byImage.map((p, i) => html`${i ? ', ' : ''}${p.name} (${p.count})`)}</td>
                      <td>
                        ${
                          u.quotas.length
                            ? html`<ul class="plain">
                                ${u.quotas.map(quotaCell)}
                              </ul>`
                            : 'No quota applies'
                        }
                      </td>
                    </tr>`,
                )
              : html`<tr>
                  <td colspan="5">Nobody runs a session.</td>
                </tr>`
          }
        </tbody>
      </table>`;
    res.send(page({ title: 'Users', viewer, active: '/admin/users', body }).text);
  });
  return router;
}
