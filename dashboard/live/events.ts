// GET /events: Server-Sent Events with the cards of the sessions the page shows: the current ones
// when the stream opens, then one re-rendered on every change the watch cache sees. What a stream
// may carry is decided when it opens: the viewer's own and shared sessions, a proposal they are a
// member of, or (admins) every session. `view=capacity` carries the GPU status table instead, re-rendered
// when nodes or pods change (the launch form and the admin capacity page).
import { Router, type Response } from 'express';
import type { AnalysisSession } from '../../crds/index.ts';
import { me } from '../auth/middleware.ts';
import type { Dashboard } from '../context.ts';
import { byNewest, sessionsOf } from '../kube/caches.ts';
import { filterOf, matches } from '../pages/admin-sessions.ts';
import { gpuStatusTable } from '../views/gpu-table.ts';
import { CARD_LIMIT, cardId, sessionCard } from '../views/session-card.ts';
import { CapacityFeed } from './capacity.ts';

const KEEPALIVE_MS = 25_000;

export function liveEvents(d: Dashboard): Router {
  const router = Router();
  const capacity = new CapacityFeed(d.caches.nodes, d.caches.pods);
  const open = (res: Response) => {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
    return {
      send: (event: string, data: object) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`),
      stop: () => {
        clearInterval(keepalive);
      },
    };
  };
  router.get('/events', async (req, res) => {
    const viewer = me(res);
    const q = req.query as Record<string, unknown>;
    const str = (k: string) => (typeof q[k] === 'string' && q[k] ? q[k] : undefined);
    const view = str('view') ?? 'mine';
    if (view === 'capacity') {
      // Capacity is no secret to a signed-in user: the launch form shows it to every member.
      const gpuResource = str('gpuResource') ?? 'nvidia.com/gpu';
      const stream = open(res);
      let last = '';
      const render = (status: (r: string) => ReturnType<CapacityFeed['status']>) => {
        const text = gpuStatusTable(status(gpuResource)).text;
        if (text === last) return;
        last = text;
        stream.send('capacity', { html: text });
      };
      render((r) => capacity.status(r));
      const unsubscribe = capacity.subscribe(render);
      req.on('close', () => {
        stream.stop();
        unsubscribe();
      });
      return;
    }
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
    const { send, stop } = open(res);
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
    req.on('close', () => {
      stop();
      unsubscribe();
    });
  });
  return router;
}
