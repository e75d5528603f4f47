// The admin's form for a SessionImage: name, display name, the container image or the VM (boot disk,
// persistence, firmware, secure boot, TPM, guest OS, bootstrap, warm pool), protocol and port,
// default and maximum cpu, memory and disk, GPUs, lifetimes, availability.
import { VM_CHOICES } from '../forms/vm-image.ts';
import { html } from '../http/html.ts';
import type { FieldErrors } from '../kube/field-errors.ts';
import { csrfField, field, generalErrors, page, type Viewer } from './layout.ts';

/** A labelled select with its error next to it. */
function choice(options: {
  name: string;
  label: string;
  choices: readonly string[];
  value: string;
  error?: string;
}) {
  const { name, label, choices, value, error } = options;
  const id = `f-${name}`;
  return html`<div class="field${error ? ' invalid' : ''}">
    <label for="${id}">${label}</label
    ><select
      id="${id}"
      name="${name}"
      ${error ? html` aria-invalid="true" aria-describedby="${id}-error"` : ''}
    >
      ${choices.map((c) => html`<option${c === value ? html` selected` : ''}>${c}</option>`)}</select
    >${error ? html`<p class="field-error" id="${id}-error">${error}</p>` : ''}
  </div>`;
}

/** A checkbox with its error next to it. */
function check(name: string, label: string, on: boolean, error?: string) {
  const id = `f-${name}`;
  return html`<div class="field check${error ? ' invalid' : ''}">
    <input
      type="checkbox"
      id="${id}"
      name="${name}"
      ${on ? html` checked` : ''}${error ? html` aria-invalid="true" aria-describedby="${id}-error"` : ''}
    /><label for="${id}">${label}</label
    >${error ? html`<p class="field-error" id="${id}-error">${error}</p>` : ''}
  </div>`;
}

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
  const vm = v.runtime === 'vm';
  const pick = (name: keyof typeof VM_CHOICES, label: string) =>
    choice({ name, label, choices: VM_CHOICES[name], value: v[name] ?? '', error: e[name] });
  const machine = vm
    ? html`<fieldset>
        <legend>Virtual machine</legend>
        ${pick('os', 'Guest OS')}
        <p id="f-disk-hint">
          Boot disk: exactly one of a containerDisk image or a golden PersistentVolumeClaim.
        </p>
        ${f('containerDisk', 'containerDisk image', 'Such as quay.io/containerdisks/ubuntu:24.04')}
        ${f('pvc', 'Golden PersistentVolumeClaim', 'Each VM clones its boot disk from it')}
        ${f('pvcNamespace', 'Its namespace (optional)', 'kubevirt-os-images unless set')}
        ${check('persistent', "Keep each session's disk across stop and resume (else a fresh copy at every start)", v.persistent === 'on', e.persistent)}
        ${pick('firmware', 'Firmware')}
        ${check('secureBoot', 'Secure boot (efi only)', v.secureBoot === 'on', e.secureBoot)}
        ${check('tpm', 'Virtual TPM', v.tpm === 'on', e.tpm)}
        ${pick('bootstrap', 'Credentials and data reach the guest by')}
        ${f('warmPoolSize', 'Warm pool size (optional)', 'Pre-booted VMs kept ready, because VM boot is slow')}
      </fieldset>`
    : f('image', 'Container image', 'Such as quay.io/jupyter/scipy-notebook:2025-06-02');
  const body = html`${generalErrors(errors.general)}
    <form
      method="post"
      class="form"
      novalidate
      action="${editing ? `/admin/images/${v.name ?? ''}` : '/admin/images'}"
    >
      ${csrfField(viewer)}<input type="hidden" name="runtime" value="${vm ? 'vm' : 'container'}" />
      ${e.runtime ? html`<p class="field-error">${e.runtime}</p>` : ''}
      ${editing ? html`<p>Name: <strong>${v.name}</strong></p>` : f('name', 'Name', 'Lower-case letters, digits and -: how sessions refer to the image')}
      ${f('displayName', 'Display name')} ${f('description', 'Description')} ${machine}
      ${choice({ name: 'protocol', label: 'Protocol', choices: ['http', 'vnc', 'rdp', 'ssh'], value: protocol, error: e.protocol })}
      ${f('port', 'Port', '8888 for Jupyter, 5901 for VNC, 3389 for RDP, 22 for SSH')}
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
      ${editing ? html`<a class="button" href="/admin/images/${v.name ?? ''}/delete">Delete…</a>` : ''}
    </form>`;
  return page({
    title: editing
      ? `Edit ${v.displayName ?? v.name ?? ''}`
      : vm
        ? 'Add a VM image'
        : 'Add a container image',
    viewer,
    active: '/admin/images',
    body,
  });
}
