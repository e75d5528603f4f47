// The GPU tables the launch form and the admin capacity page show: free GPUs per model, and the
// "Current status" per node pool and node (allocatable, requested, free by model). The live wrapper
// is replaced by the event stream's re-rendering of the same function, so page and update agree.
import type { GpuPool, GpuPoolStatus } from '../capacity/capacity.ts';
import { html } from '../http/html.ts';

export const gpuTable = (pools: readonly GpuPool[], caption: string) =>
  html`<table class="gpus">
    <caption>
      ${caption}
    </caption>
    <thead>
      <tr>
        <th scope="col">Model</th>
        <th scope="col">Nodes</th>
        <th scope="col">Free</th>
        <th scope="col">Most on one node</th>
      </tr>
    </thead>
    <tbody>
      ${
        pools.length
          ? pools.map(
              (p) =>
                html`<tr>
                  <th scope="row">${p.model}</th>
                  <td>${p.nodes}</td>
                  <td>${p.free} of ${p.total}</td>
                  <td>${p.largestFree}</td>
                </tr>`,
            )
          : html`<tr>
              <td colspan="4">No GPU nodes</td>
            </tr>`
      }
    </tbody>
  </table>`;

const poolName = (pool: string) => pool || 'No pool';

/** Per node pool and node: GPUs allocatable, requested and free, with a total per model and pool. */
export const gpuStatusTable = (pools: readonly GpuPoolStatus[]) =>
  html`<table class="gpu-status">
    <caption>
      Current status: GPUs per node pool and node
    </caption>
    <thead>
      <tr>
        <th scope="col">Pool</th>
        <th scope="col">Node</th>
        <th scope="col">Model</th>
        <th scope="col">Allocatable</th>
        <th scope="col">Requested</th>
        <th scope="col">Free</th>
      </tr>
    </thead>
    ${
      pools.length
        ? pools.map(
            (p) =>
              html`<tbody>
                ${p.nodes.map(
                  (n, i) =>
                    html`<tr>
                      ${
                        i === 0
                          ? html`<th scope="rowgroup" rowspan="${p.nodes.length + p.models.length}">
                              ${poolName(p.pool)}
                            </th>`
                          : ''
                      }
                      <td>${n.name}${n.schedulable ? '' : ' (cordoned)'}</td>
                      <td>${n.model}</td>
                      <td>${n.allocatable}</td>
                      <td>${n.requested}</td>
                      <td>${n.free}</td>
                    </tr>`,
                )}
                ${p.models.map(
                  (m) =>
                    html`<tr class="total">
                      <td>${p.pool ? `All of ${p.pool}` : 'All without a pool'}</td>
                      <td>${m.model}</td>
                      <td>${m.allocatable}</td>
                      <td>${m.requested}</td>
                      <td>${m.free}</td>
                    </tr>`,
                )}
              </tbody>`,
          )
        : html`<tbody>
            <tr>
              <td colspan="6">No GPU nodes</td>
            </tr>
          </tbody>`
    }
  </table>`;

/** The live part: replaced as a whole by the `capacity` events of `/events?view=capacity`. */
export const liveCapacity = (pools: readonly GpuPoolStatus[], gpuResource: string) =>
  html`<div class="live-capacity" data-live-capacity data-gpu-resource="${gpuResource}" aria-live="polite">
    ${gpuStatusTable(pools)}
  </div>`;
