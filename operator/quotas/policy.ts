// The quota policy: whether one more session fits, as a chain of checks (sessions, cpu, memory,
// GPUs, disk) over every applicable quota, where the first failure wins and says, in plain words,
// which quota, what is used and what is asked. Pure; the gate feeds it the ledgers it read.
import type { AnalysisSession, LedgerEntry, Quota } from '../../crds/index.ts';
import { parseDuration } from '../../runtime/duration.ts';
import type { Quantity } from '../../runtime/quantity.ts';
import {
  addQuantities,
  entryShare,
  exceeds,
  formatQuantity,
  quantity,
  sumQuantities,
  type QuantityResource,
  type Share,
} from './amounts.ts';
import { holderWords } from './subjects.ts';

/** One quota as a session meets it: what others hold, and the older sessions queued before it. */
export interface QuotaCheck {
  quota: Quota;
  /** The entries counted with this session (not its own). */
  held: readonly LedgerEntry[];
  /** Older sessions waiting for this quota: they go first (oldest first, no overtaking). */
  ahead: readonly Share[];
}

export interface Refusal {
  quota: string;
  message: string;
}

const ADVICE = 'Stop a session or ask the facility to raise the quota.';

function waiting(ahead: number): string {
  if (ahead === 0) return '';
  return ` and ${ahead} older session${ahead === 1 ? '' : 's'} wait${ahead === 1 ? 's' : ''} before this one`;
}

type Check = (ask: Share, c: QuotaCheck) => Refusal | undefined;

const sessions: Check = (_ask, c) => {
  const limit = c.quota.spec.limits.sessions;
  if (limit === undefined) return undefined;
  const used = c.held.length;
  if (used + c.ahead.length + 1 <= limit) return undefined;
  const { subject, verb } = holderWords(c.quota);
  const name = c.quota.metadata.name;
  return {
    quota: name,
    message: `${subject} ${verb} ${used} of ${limit} session${limit === 1 ? '' : 's'}${waiting(c.ahead.length)} (quota ${name}). ${ADVICE}`,
  };
};

const gpus: Check = (ask, c) => {
  const limit = c.quota.spec.limits.gpus;
  if (limit === undefined || ask.gpus === 0) return undefined;
  const used = c.held.reduce((n, e) => n + (e.gpus ?? 0), 0);
  const before = c.ahead.reduce((n, s) => n + s.gpus, 0);
  if (used + before + ask.gpus <= limit) return undefined;
  const { subject, verb } = holderWords(c.quota);
  const name = c.quota.metadata.name;
  return {
    quota: name,
    message: `${subject} ${verb} ${used} of ${limit} GPUs${waiting(c.ahead.length)}, and this session asks for ${ask.gpus} (quota ${name}). ${ADVICE}`,
  };
};

function amount(resource: QuantityResource): Check {
  return (ask, c) => {
    const limitText = c.quota.spec.limits[resource];
    const asked = ask[resource];
    if (limitText === undefined || asked === undefined) return undefined;
    const limit = quantity(String(limitText));
    const used = sumQuantities(c.held.map((e) => entryShare(e)[resource]));
    const total = sumQuantities([
      ...c.held.map((e) => entryShare(e)[resource]),
      ...c.ahead.map((s) => s[resource]),
      asked,
    ]);
    if (!exceeds(total, limit)) return undefined;
    const { subject, verb } = holderWords(c.quota);
    const name = c.quota.metadata.name;
    return {
      quota: name,
      message: `${subject} ${verb} ${formatQuantity(used, resource)} of ${formatQuantity(limit, resource)} ${resource}${waiting(c.ahead.length)}, and this session asks for ${formatQuantity(quantity(asked), resource)} (quota ${name}). ${ADVICE}`,
    };
  };
}

/** In the order a user reads them: sessions first, then cpu, memory, GPUs and disk. */
const CHECKS: readonly Check[] = [sessions, amount('cpu'), amount('memory'), gpus, amount('disk')];

/** The first quota and limit the session would exceed, or undefined when it fits every one. */
export function firstRefusal(ask: Share, checks: readonly QuotaCheck[]): Refusal | undefined {
  for (const c of checks) {
    for (const check of CHECKS) {
      const refusal = check(ask, c);
      if (refusal) return refusal;
    }
  }
  return undefined;
}

/** What a resize may grow; the number of sessions never changes with a resize. */
const RESIZED = ['cpu', 'memory', 'gpus', 'disk'] as const;
type Resized = (typeof RESIZED)[number];

const amountOf = (s: Share, r: Resized) => (r === 'gpus' ? quantity(String(s.gpus)) : quantity(s[r]));
const words = (q: Quantity, r: Resized) => (r === 'gpus' ? formatQuantity(q, 'cpu') : formatQuantity(q, r));
const unit = (r: Resized) => (r === 'gpus' ? 'GPUs' : r);

/**
 * Whether a running session may change its share from `from` to `to`: only the amounts that grow
 * are checked (as Kubernetes' ResourceQuota admission checks only what increases), so shrinking is
 * always allowed, even under a quota lowered below what is used. Waiting sessions do not count: the
 * session is admitted already, and its own entry is not among `held`.
 */
export function resizeRefusal(from: Share, to: Share, checks: readonly QuotaCheck[]): Refusal | undefined {
  const growing = RESIZED.filter((r) => exceeds(amountOf(to, r), amountOf(from, r)));
  for (const c of checks) {
    for (const r of growing) {
      const limitText = r === 'gpus' ? c.quota.spec.limits.gpus : c.quota.spec.limits[r];
      if (limitText === undefined) continue;
      const limit = quantity(String(limitText));
      const others = c.held.map((e) => amountOf(entryShare(e), r));
      const total = others.reduce((sum, q) => addQuantities(sum, q), amountOf(to, r));
      if (!exceeds(total, limit)) continue;
      const { subject } = holderWords(c.quota);
      const name = c.quota.metadata.name;
      const who = `${subject.charAt(0).toLowerCase()}${subject.slice(1)}`;
      return {
        quota: name,
        message: `The resize was not applied: with ${words(amountOf(to, r), r)} ${unit(r)} for this session, ${who} would use ${words(total, r)} of ${words(limit, r)} ${unit(r)} (quota ${name}). The session keeps running with ${words(amountOf(from, r), r)} ${unit(r)}; the resize applies by itself once there is room. Stop another session, ask for less, or ask the facility to raise the quota.`,
      };
    }
  }
  return undefined;
}

/** The shortest maximum lifetime of the quotas, and which quota sets it. */
export function lifetimeCap(quotas: readonly Quota[]): { ms: number; quota: string } | undefined {
  let cap: { ms: number; quota: string } | undefined;
  for (const q of quotas) {
    const ms = q.spec.limits.maxLifetime ? parseDuration(q.spec.limits.maxLifetime) : undefined;
    if (ms !== undefined && (!cap || ms < cap.ms)) cap = { ms, quota: q.metadata.name };
  }
  return cap;
}

const HELD_BY = /\(quota ([a-z0-9]([-a-z0-9]*[a-z0-9])?)\)/;

/**
 * The quota a session waits for, as its QuotaAdmitted condition names it (undefined: not waiting):
 * to start (Queued), or, running, for room to apply a resize.
 */
export function heldBy(session: AnalysisSession): string | undefined {
  if (session.spec.state !== 'Running') return undefined;
  const c = session.status?.conditions?.find((x) => x.type === 'QuotaAdmitted');
  const queued = c?.status === 'False' && c.reason === 'QuotaExceeded';
  const resizing = c?.status === 'True' && c.reason === 'ResizeExceedsQuota';
  if (!c || (!queued && !resizing)) return undefined;
  return HELD_BY.exec(c.message)?.[1];
}
