// Admin: capacity from the caches: per node allocatable against requested cpu, memory and GPUs with its
// sessions, the live GPU status per node pool and node, free GPUs per model, and sessions per image.
import { Router } from 'express';
import { me } from '../auth/middleware.ts';
import { gpuPools, gpuStatus, nodeUsage } from '../capacity/capacity.ts';
import type { Dashboard } from '../context.ts';
import { html } from '../http/html.ts';
import { gpuTable, liveCapacity } from '../views/gpu-table.ts';
import { page } from '../views/layout.ts';

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(bytes % 2 ** 30 ? 1 : 0)}Gi`;
const cores = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

export function adminCapacityPages(d: Dashboard): Router {
  const router = Router();
  // The page's first name.
  router.get('/admin/usage', (_req, res) => {
    res.redirect(301, '/admin/capacity');
  });
  router.get('/admin/capacity', (_req, res) => {
    const viewer = me(res);
    const usage = nodeUsage(d.caches.nodes.list(), d.caches.pods.list());
    const perImage = new Map<string, number>();
    for (const s of d.caches.sessions.list())
      if (['Running', 'Provisioning', 'Pending', 'Queued'].includes(s.status?.phase ?? 'Pending'))
        perImage.set(s.spec.image, (perImage.get(s.spec.image) ?? 0) + 1);
    const body = html`<h2>GPUs</h2>
      ${liveCapacity(gpuStatus(usage), 'nvidia.com/gpu')}
      ${gpuTable(gpuPools(usage), 'Free GPUs by model, all pools (nvidia.com/gpu)')}
      <h2>Nodes</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Node</th>
            <th scope="col">Pool</th>
            <th scope="col">GPU model</th>
            <th scope="col">CPU requested / allocatable</th>
            <th scope="col">Memory</th>
            <th scope="col">GPUs</th>
            <th scope="col">Sessions</th>
          </tr>
        </thead>
        <tbody>
          ${usage.map(
            (n) =>
              html`<tr>
                <th scope="row">${n.name}${n.schedulable ? '' : ' (cordoned)'}</th>
                <td>${n.pool || '–'}</td>
                <td>${n.model || '–'}</td>
                <td>${cores(n.requested.cpu)} / ${cores(n.allocatable.cpu)}</td>
                <td>${gib(n.requested.memory)} / ${gib(n.allocatable.memory)}</td>
                <td>${n.requested.gpus} / ${n.allocatable.gpus}</td>
                <td>${n.sessions}</td>
              </tr>`,
          )}
        </tbody>
      </table>
      <h2>Active sessions per image</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Image</th>
            <th scope="col">Sessions</th>
          </tr>
        </thead>
        <tbody>
          ${[...perImage].sort().map(
            ([image, n]) =>
              html`<tr>
                <th scope="row">${image}</th>
                <td>${n}</td>
              </tr>`,
          )}
        </tbody>
      </table>`;
    res.send(page({ title: 'Capacity', viewer, active: '/admin/capacity', body }).text);
  });
  return router;
}
