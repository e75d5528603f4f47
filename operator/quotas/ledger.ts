// The ledger in each Quota's status: which sessions (by UID) hold what. Pure functions that add and
// remove entries and derive the summary users read (used, per-user usage, queued), and the rule for
// when an entry may be released. Writes go through the gate and the Quota controller, each with
// the resourceVersion they read, so concurrent writers never admit past a limit.
import {
  MAX_STATUS_USERS,
  type AnalysisSession,
  type LedgerEntry,
  type Quota,
  type QuotaStatus,
} from '../../crds/index.ts';
import { formatQuantity, sumQuantities, type Share } from './amounts.ts';

type Usage = NonNullable<QuotaStatus['used']>;

function usageOf(entries: readonly LedgerEntry[]): Usage {
  const disk = entries.some((e) => e.disk) ? sumQuantities(entries.map((e) => e.disk)) : undefined;
  const gpus = entries.reduce((n, e) => n + (e.gpus ?? 0), 0);
  return {
    sessions: entries.length,
    cpu: formatQuantity(sumQuantities(entries.map((e) => e.cpu)), 'cpu'),
    memory: formatQuantity(sumQuantities(entries.map((e) => e.memory)), 'memory'),
    ...(disk ? { disk: formatQuantity(disk, 'disk') } : {}),
    ...(gpus > 0 ? { gpus } : {}),
  };
}

/** status.used, status.users (EachUser and Group: the biggest users first, bounded) and queued. */
export function summarize(quota: Quota, ledger: readonly LedgerEntry[], queued: number): QuotaStatus {
  const kind = quota.spec.subject.kind;
  const status: QuotaStatus = {
    ...quota.status,
    observedGeneration: quota.metadata.generation,
    used: usageOf(ledger),
    queued,
    ledger: [...ledger],
  };
  if (kind === 'EachUser' || kind === 'Group') {
    const byUser = new Map<string, LedgerEntry[]>();
    for (const e of ledger) byUser.set(e.user, [...(byUser.get(e.user) ?? []), e]);
    status.users = [...byUser.entries()]
      .sort(([a, x], [b, y]) => y.length - x.length || a.localeCompare(b))
      .slice(0, MAX_STATUS_USERS)
      .map(([user, entries]) => ({ user, used: usageOf(entries) }));
  } else {
    delete status.users;
  }
  return status;
}

export function entryFor(session: AnalysisSession, share: Share): LedgerEntry {
  return {
    uid: session.metadata.uid ?? '',
    session: `${session.metadata.namespace ?? ''}/${session.metadata.name}`,
    user: session.spec.owner,
    generation: session.metadata.generation ?? 0,
    cpu: share.cpu,
    memory: share.memory,
    ...(share.disk ? { disk: share.disk } : {}),
    ...(share.gpus > 0 ? { gpus: share.gpus } : {}),
  };
}

/** The status with `entry` added (or replacing the session's earlier one). */
export function withEntry(quota: Quota, entry: LedgerEntry): QuotaStatus {
  const ledger = (quota.status?.ledger ?? []).filter((e) => e.uid !== entry.uid);
  return summarize(quota, [...ledger, entry], quota.status?.queued ?? 0);
}

/** The status without the entries of `uids`. */
export function withoutEntries(quota: Quota, uids: ReadonlySet<string>, queued?: number): QuotaStatus {
  const ledger = (quota.status?.ledger ?? []).filter((e) => !uids.has(e.uid));
  return summarize(quota, ledger, queued ?? quota.status?.queued ?? 0);
}

export function holds(quota: Quota, uid: string): LedgerEntry | undefined {
  return quota.status?.ledger?.find((e) => e.uid === uid);
}

/** Phases in which a session holds nothing: its workload is gone, and comes back only after a spec change. */
const RESTING = new Set(['Stopped', 'Expired', 'Failed']);

/**
 * Whether an entry may be released because of what its session's status says: the session rests
 * (Stopped, Expired, Failed), and that status was written for the generation that was admitted or
 * a later one, so a status from before the admission can never release it. (Deleted sessions are
 * released by the Quota controller after the API server confirms they are gone.)
 */
export function restingSince(entry: LedgerEntry, session: AnalysisSession): boolean {
  const s = session.status;
  if (!s?.phase || !RESTING.has(s.phase)) return false;
  const observed = s.observedGeneration ?? -1;
  return observed >= entry.generation && observed === session.metadata.generation;
}
