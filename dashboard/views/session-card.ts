// One card per session (the Resources page, a proposal's page, the live updates): phase and the
// operator's message, the start-up steps, machine name, image, times, and the actions the viewer
// may take. The same function renders the first page and every live update, so they never differ.
import type { AnalysisSession, SessionImage } from '../../crds/index.ts';
import { html, type Html } from '../http/html.ts';
import { csrfField, type Viewer } from './layout.ts';

const STEPS = ['Pending', 'Provisioning', 'Running'] as const;

/** Pages with many sessions show the newest this many (filters narrow them): 1,000 cards take ~120 ms. */
export const CARD_LIMIT = 200;

export const cardId = (s: AnalysisSession) => `session-${s.metadata.namespace ?? ''}-${s.metadata.name}`;

const RFC3339_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

export function time(iso: string | undefined): Html | string {
  if (!iso) return '–';
  // The API server writes RFC 3339 in UTC (2026-12-02T02:57:01Z): shown as it is, without a Date.
  const d = RFC3339_UTC.test(iso) ? undefined : new Date(iso);
  if (d && Number.isNaN(d.getTime())) return iso;
  const utc = d ? d.toISOString() : iso;
  return html`<time datetime="${utc}">${utc.slice(0, 16).replace('T', ' ')} UTC</time>`;
}

function steps(phase: string): Html | string {
  if (!['Pending', 'Queued', 'Provisioning', 'Running'].includes(phase)) return '';
  const at = phase === 'Queued' ? 0 : STEPS.indexOf(phase as (typeof STEPS)[number]);
  return html`<ol class="steps" aria-label="Start-up progress">
    ${STEPS.map(
      (step, i) =>
        html`<li
          class="${i < at || phase === 'Running' ? 'done' : i === at ? 'current' : ''}"
          ${i === at ? html` aria-current="step"` : ''}
        >
          ${step}
        </li>`,
    )}
  </ol>`;
}

const action = (
  s: AnalysisSession,
  viewer: Viewer,
  back: string,
  verb: string,
  label: string,
  extra?: Html,
) =>
  html`<form method="post" action="/resources/${s.metadata.namespace ?? ''}/${s.metadata.name}/${verb}">
    ${csrfField(viewer)}<input type="hidden" name="back" value="${back}" /><button
      type="submit"
      ${extra ?? ''}
    >
      ${label}
    </button>
  </form>`;

/** Who else may connect: a merge patch of spec.sharedWith (empty: shared with nobody). */
const shareForm = (s: AnalysisSession, viewer: Viewer, back: string) => {
  const id = `share-${cardId(s)}`;
  return html`<details class="share">
    <summary>Share</summary>
    <form method="post" action="/resources/${s.metadata.namespace ?? ''}/${s.metadata.name}/share">
      ${csrfField(viewer)}<input type="hidden" name="back" value="${back}" />
      <label for="${id}">Users who may connect (comma-separated)</label>
      <input id="${id}" name="sharedWith" value="${(s.spec.sharedWith ?? []).join(', ')}" />
      <button type="submit">Save sharing</button>
    </form>
  </details>`;
};

export function sessionCard(options: {
  session: AnalysisSession;
  image: SessionImage | undefined;
  viewer: Viewer;
  /** Owner, proposal member or admin: may extend, stop, resume and delete (RBAC decides in the end). */
  canManage: boolean;
  /** The page the actions return to. */
  back?: string;
}): Html {
  const { session: s, image, viewer, canManage } = options;
  const back = options.back ?? '/resources';
  const phase = s.status?.phase ?? 'Pending';
  const maySee = s.spec.owner === viewer.user || (s.spec.sharedWith ?? []).includes(viewer.user);
  const running = phase === 'Running';
  const wantsRunning = s.spec.state !== 'Stopped';
  const protocol = image?.spec.access.protocol;
  const actions = [
    running && maySee && (protocol === 'http' || protocol === 'vnc')
      ? action(s, viewer, back, 'connect', 'Connect', html` class="primary"`)
      : '',
    canManage && wantsRunning && phase !== 'Failed' ? action(s, viewer, back, 'extend', 'Extend') : '',
    canManage && wantsRunning ? action(s, viewer, back, 'stop', 'Stop') : '',
    canManage && !wantsRunning ? action(s, viewer, back, 'resume', 'Resume') : '',
    canManage
      ? action(
          s,
          viewer,
          back,
          'delete',
          'Delete',
          html` data-confirm="Delete this session? Its files in the session are lost."`,
        )
      : '',
  ];
  return html`<article
    class="card phase-${phase.toLowerCase()}"
    id="${cardId(s)}"
    data-namespace="${s.metadata.namespace ?? ''}"
  >
    <h3>${s.spec.displayName ?? s.status?.machineName ?? s.metadata.name}</h3>
    <p class="phase">
      <span class="badge">${phase}</span
      >${s.status?.reason ? html` <span class="reason">${s.status.reason}</span>` : ''}
    </p>
    ${steps(phase)} ${s.status?.message ? html`<p class="message">${s.status.message}</p>` : ''}
    <dl>
      <dt>Machine</dt>
      <dd>${s.status?.machineName ?? '–'}</dd>
      <dt>Image</dt>
      <dd>${image?.spec.displayName ?? s.spec.image}</dd>
      <dt>Proposal</dt>
      <dd><a href="/proposals/${s.metadata.namespace ?? ''}">${s.spec.proposal}</a></dd>
      <dt>Owner</dt>
      <dd>
        ${s.spec.owner}${s.spec.sharedWith?.length ? ` (shared with ${s.spec.sharedWith.join(', ')})` : ''}
      </dd>
      <dt>Created</dt>
      <dd>
        ${time(typeof s.metadata.creationTimestamp === 'string' ? s.metadata.creationTimestamp : undefined)}
      </dd>
      <dt>Expires</dt>
      <dd class="expires">${time(s.status?.expiresAt)}</dd>
      <dt>Last activity</dt>
      <dd>${time(s.status?.lastActivityAt)}</dd>
    </dl>
    <div class="actions">${actions}</div>
    ${canManage ? shareForm(s, viewer, back) : ''}
  </article>`;
}
