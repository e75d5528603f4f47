// GET /events: Server-Sent Events with the cards of the sessions the page shows: the current ones
// when the stream opens, then one re-rendered on every change the watch cache sees. What a stream
// may carry is decided when it opens: the viewer's own and shared sessions, a proposal they are a
// member of, or (admins) every session.
import { Router } from 'express';
import type { AnalysisSession } from '../../crds/index.ts';
import { me } from '../auth/middleware.ts';
import type { Dashboard } from '../context.ts';
import { byNewest, sessionsOf } from '../kube/caches.ts';
import { filterOf, matches } from '../pages/admin-sessions.ts';
import { CARD_LIMIT, cardId, sessionCard } from '../views/session-card.ts';

const KEEPALIVE_MS = 25_000;

export function liveEvents(d: Dashboard): Router {
  const router = Router();
  router.get('/events', async (req, res) => {
    const viewer = me(res);
    const q = req.query as Record<string, unknown>;
    const str = (k: string) => (typeof q[k] === 'string' && q[k] ? q[k] : undefined);
    const view = str('view') ?? 'mine';
    let sees: (s: AnalysisSession) => boolean;
    let canManage: (s: AnalysisSession) => boolean;
    let back = '/resources';
    if (view === 'proposal') {
      const namespace = str('namespace') ?? '';
      const member = await d.membership.mayLaunch(viewer, namespace);
      if (!member && !viewer.admin) return void res.status(403).end();
      sees = (s) => s.metadata.namespace === namespace;
      canManage = () => member;
      back = `/proposals/${namespace}`;
    } else if (view === 'all') {
      if (!viewer.admin) return void res.status(403).end();
      const filter = filterOf(q);
      sees = (s) => matches(s, filter);
      canManage = () => true;
      back = '/admin/sessions';
    } else {
      sees = (s) => s.spec.owner === viewer.user || (s.spec.sharedWith ?? []).includes(viewer.user);
      canManage = (s) => s.spec.owner === viewer.user || viewer.admin;
    }
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    const send = (event: string, data: object) =>
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    const changed = (s: AnalysisSession) => {
      const html = sessionCard({
        session: s,
        image: d.caches.images.get(s.spec.image),
        viewer,
        canManage: canManage(s),
        back,
      });
      send('session', { id: cardId(s), html: html.text, phase: s.status?.phase ?? 'Pending' });
    };
    const unsubscribe = d.live.subscribe({
      sees,
      changed,
      removed: (s) => send('removed', { id: cardId(s) }),
    });
    // A change between the page's render and this stream's start would otherwise be lost (and so
    // would one during a reconnect): the stream opens with the current cards.
    // The same cards the page shows: a user's own, or the newest CARD_LIMIT of a proposal or of all.
    const current =
      view === 'mine'
        ? sessionsOf(d.caches, viewer.user)
        : d.caches.sessions.list().filter(sees).sort(byNewest).slice(0, CARD_LIMIT);
    for (const s of current) changed(s);
    const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
    req.on('close', () => {
      clearInterval(keepalive);
      unsubscribe();
    });
  });
  return router;
}
