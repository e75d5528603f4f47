// The admin's form for a SessionImage (container images): name, display name, image, protocol and
// port, default and maximum cpu, memory and disk, GPUs, lifetimes, availability.
import { html } from '../http/html.ts';
import type { FieldErrors } from '../kube/field-errors.ts';
import { csrfField, field, generalErrors, page, type Viewer } from './layout.ts';

export function imageFormPage(options: {
  viewer: Viewer;
  editing: boolean;
  values: Record<string, string>;
  errors: FieldErrors;
}) {
  const { viewer, editing, values: v, errors } = options;
  const e = errors.fields;
  const f = (name: string, label: string, hint?: string) =>
    field({ name, label, value: v[name] ?? '', error: e[name], ...(hint ? { hint } : {}) });
  const protocol = v.protocol ?? 'http';
  const body = html`${generalErrors(errors.general)}
    <form
      method="post"
      class="form"
      novalidate
      action="${editing ? `/admin/images/${v.name ?? ''}` : '/admin/images'}"
    >
      ${csrfField(viewer)}
      ${editing ? html`<p>Name: <strong>${v.name}</strong></p>` : f('name', 'Name', 'Lower-case letters, digits and -: how sessions refer to the image')}
      ${f('displayName', 'Display name')} ${f('description', 'Description')}
      ${f('image', 'Container image', 'Such as quay.io/jupyter/scipy-notebook:2025-06-02')}
      <div class="field">
        <label for="f-protocol">Protocol</label
        ><select id="f-protocol" name="protocol" ${e.protocol ? html` aria-invalid="true"` : ''}>
          ${['http', 'vnc', 'rdp', 'ssh'].map(
            (p) => html`<option${p === protocol ? html` selected` : ''}>${p}</option>`,
          )}</select
        >${e.protocol ? html`<p class="field-error">${e.protocol}</p>` : ''}
      </div>
      ${f('port', 'Port', '8888 for Jupyter, 5901 for VNC')}
      ${f('basePath', 'Base path (http)', '/sessions/{namespace}/{session}/ for Jupyter behind the gateway')}
      <fieldset>
        <legend>Defaults</legend>
        ${f('defaultCpu', 'CPU')}${f('defaultMemory', 'Memory')}${f('defaultDisk', 'Disk')}
      </fieldset>
      <fieldset>
        <legend>Maxima</legend>
        ${f('maxCpu', 'CPU')}${f('maxMemory', 'Memory')}${f('maxDisk', 'Disk')}${f('maxGpus', 'GPUs')}${f('gpuResourceName', 'GPU resource', 'nvidia.com/gpu unless set')}
      </fieldset>
      <fieldset>
        <legend>Lifetime</legend>
        ${f('defaultLifetime', 'Default lifetime', 'Such as 8h')}${f('maxLifetime', 'Maximum lifetime', 'Such as 72h')}${f('idleTimeout', 'Idle timeout (optional)', 'Such as 2h')}
      </fieldset>
      <div class="field check">
        <input
          type="checkbox"
          id="f-everyone"
          name="everyone"
          ${v.everyone === 'on' ? html` checked` : ''}
        /><label for="f-everyone">Every user may launch it</label>
      </div>
      <button type="submit" class="primary">${editing ? 'Save' : 'Add image'}</button>
    </form>`;
  return page({
    title: editing ? `Edit ${v.displayName ?? v.name ?? ''}` : 'Add an image',
    viewer,
    active: '/admin/images',
    body,
  });
}
