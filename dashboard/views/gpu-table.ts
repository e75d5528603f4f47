// The free GPUs per model, as the launch form and the admin usage page show them.
import type { GpuPool } from '../capacity/capacity.ts';
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
