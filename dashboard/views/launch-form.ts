// The launch form: resources within the image's maxima, GPUs with live availability per GPU model,
// lifetime within the image's bounds, data to mount and who to share with; each refusal next to
// its field.
import type { SessionImage } from '../../crds/index.ts';
import type { GpuPoolStatus } from '../capacity/capacity.ts';
import { html } from '../http/html.ts';
import type { FieldErrors } from '../kube/field-errors.ts';
import type { ProposalInfo } from '../kube/catalogue.ts';
import { liveCapacity } from './gpu-table.ts';
import { csrfField, field, generalErrors, page, type Viewer } from './layout.ts';

const str = (v: string | number | undefined) => (v === undefined ? '' : String(v));

export function launchPage(options: {
  viewer: Viewer;
  proposal: ProposalInfo;
  image: SessionImage;
  pools: GpuPoolStatus[];
  values: Record<string, string>;
  errors: FieldErrors;
}) {
  const { viewer, proposal, image, pools, values, errors } = options;
  const res = image.spec.resources;
  const maxGpus = res?.max?.gpus ?? 0;
  const life = image.spec.lifecycle;
  const e = errors.fields;
  // Without a GPU field on the form, a GPU refusal goes above it.
  const general = !maxGpus && e.gpus ? [...errors.general, `GPUs: ${e.gpus}`] : errors.general;
  const quantity = (name: 'cpu' | 'memory' | 'disk', label: string) =>
    field({
      name,
      label,
      value: values[name] ?? '',
      error: e[name],
      hint: `Default ${str(res?.default?.[name]) || 'none'}${res?.max?.[name] !== undefined ? `, at most ${str(res.max[name])}` : ''}`,
      attrs: html` placeholder="${str(res?.default?.[name])}"`,
    });
  // Next to the GPU choice: what is free now per node pool and node, updated live.
  const gpus = maxGpus ? liveCapacity(pools, res?.gpuResourceName ?? 'nvidia.com/gpu') : '';
  const body = html` <p>
      In proposal <a href="/proposals/${proposal.namespace}">${proposal.proposal}</a>.
      ${image.spec.description ?? ''}
    </p>
    ${generalErrors(general)}
    <form method="post" class="form" novalidate>
      ${csrfField(viewer)}
      ${field({ name: 'displayName', label: 'Name (optional)', value: values.displayName ?? '', error: e.displayName })}
      <fieldset>
        <legend>Resources</legend>
        ${quantity('cpu', 'CPU cores')} ${quantity('memory', 'Memory')} ${quantity('disk', 'Scratch disk')}
        ${maxGpus ? field({ name: 'gpus', label: 'GPUs', type: 'number', value: values.gpus ?? '0', error: e.gpus, hint: `At most ${String(maxGpus)}`, attrs: html` min="0" max="${maxGpus}"` }) : ''}
        ${gpus}
      </fieldset>
      ${field({ name: 'lifetime', label: 'Lifetime', value: values.lifetime ?? '', error: e.lifetime, hint: `Such as 8h or 1h30m. Default ${life.defaultLifetime}, at most ${life.maxLifetime}; extend it later up to the maximum.`, attrs: html` placeholder="${life.defaultLifetime}"` })}
      <fieldset>
        <legend>Data</legend>
        <div class="field${e.experimentSession ? ' invalid' : ''}">
          <label for="f-experimentSession">Experiment session</label>
          <select
            id="f-experimentSession"
            name="experimentSession"
            ${e.experimentSession ? html` aria-invalid="true" aria-describedby="f-experimentSession-error"` : ''}
          >
            <option value="">None</option>
            ${proposal.experimentSessions.map((s) => html`<option${values.experimentSession === s ? html` selected` : ''}>${s}</option>`)}
          </select>
          ${e.experimentSession ? html`<p class="field-error" id="f-experimentSession-error">${e.experimentSession}</p>` : ''}
        </div>
        ${field({ name: 'subPath', label: 'Sub-path (optional)', value: values.subPath ?? '', error: e.subPath, hint: 'A folder below the experiment session, such as raw/sample_A' })}
        <div class="field check">
          <input
            type="checkbox"
            id="f-wholeProposal"
            name="wholeProposal"
            ${values.wholeProposal === 'on' ? html` checked` : ''}
          /><label for="f-wholeProposal">Also mount the whole proposal, read-only</label>
        </div>
      </fieldset>
      ${field({ name: 'sharedWith', label: 'Share with (optional)', value: values.sharedWith ?? '', error: e.sharedWith, hint: 'User names, separated by commas: they may connect too' })}
      <button type="submit" class="primary">Launch</button>
    </form>`;
  return page({ title: `Launch ${image.spec.displayName}`, viewer, active: '/proposals', body });
}
