// Quota admission, the session reconcile's step 1b: a session that wants to run is recorded in the
// ledger of every Quota that applies to it (in name order, each write carrying the resourceVersion
// the fit was checked against, as Kubernetes' ResourceQuota admission does), or it waits as Queued
// with the first quota it would exceed named. A running workload is never stopped by a quota: a
// session whose workload exists is recorded as it is.
import type { AnalysisSession, LedgerEntry, Quota } from '../../crds/index.ts';
import { writeStatus } from '../../runtime/apply.ts';
import { statusCodeOf } from '../../runtime/errors.ts';
import type { Cache } from '../../runtime/informer.ts';
import type { RestClient } from '../../runtime/rest.ts';
import { Quotas } from '../api.ts';
import { SESSIONS_HELD_BY_QUOTA } from '../indexes.ts';
import type { ConditionVerdict } from '../sessions/conditions.ts';
import type { SessionEvent } from '../sessions/status.ts';
import type { EffectiveResources } from '../sessions/types.ts';
import { entryShare, sameShare, type Share } from './amounts.ts';
import { entryFor, holds, withEntry } from './ledger.ts';
import { firstRefusal, heldBy, lifetimeCap, resizeRefusal, type QuotaCheck } from './policy.ts';
import { applicableQuotas, countedEntries, subjectOf } from './subjects.ts';

export interface QuotaInput {
  session: AnalysisSession;
  /** The resources admission granted (undefined: the session was not accepted, quotas do not matter yet). */
  resources: EffectiveResources | undefined;
  /** The session is meant to run: state Running, not expired, not refused, no failure kept. */
  wantsToRun: boolean;
  /** Its workload exists: it runs, and a quota never stops it. */
  workloadPresent: boolean;
}

export interface QuotaOutcome {
  verdict: ConditionVerdict;
  /** False: the session waits (Queued); no workload is created. */
  admitted: boolean;
  /** A ledger write met a newer version of the quota: look again soon, without writing status. */
  retry?: boolean;
  /**
   * A running session's resize does not fit (the message names the quota, used and asked): it keeps
   * running with the share it holds, its workload kept as it is, and the resize applies by itself
   * once the quota has room.
   */
  resizeRefused?: string;
  /** The shortest maxLifetime of the applicable quotas. */
  lifetimeCap?: { ms: number; quota: string };
  events: SessionEvent[];
}

/**
 * What a ledger write checks again when the quota changed since the fit was checked: a new
 * admission (everything), a resize (what grows), or nothing (a running workload recorded as it is).
 */
type Recheck = { kind: 'admission' } | { kind: 'resize'; from: Share } | { kind: 'none' };

/** The share a running session holds in a ledger, when it differs from what it asks now: a resize. */
function resizedFrom(quotas: readonly Quota[], uid: string, asked: Share): Share | undefined {
  for (const q of quotas) {
    const e = holds(q, uid);
    if (e && !sameShare(entryShare(e), asked)) return entryShare(e);
  }
  return undefined;
}

/** A refused resize: the session stays admitted with what it holds, and its condition says why. */
function resizeRefused(base: Omit<QuotaOutcome, 'verdict' | 'admitted'>, message: string): QuotaOutcome {
  return {
    ...base,
    admitted: true,
    resizeRefused: message,
    verdict: { type: 'QuotaAdmitted', status: 'True', reason: 'ResizeExceedsQuota', message },
  };
}

export function shareOf(r: EffectiveResources): Share {
  return { cpu: r.cpu, memory: r.memory, ...(r.disk ? { disk: r.disk } : {}), gpus: r.gpus };
}

function verdict(status: 'True' | 'False', message: string): ConditionVerdict {
  if (status === 'True') return { type: 'QuotaAdmitted', status, reason: 'QuotaAdmitted', message };
  return { type: 'QuotaAdmitted', status, reason: 'QuotaExceeded', message };
}

/** The creation time as the API server wrote it (RFC 3339, so it sorts as text). */
function created(s: AnalysisSession): string {
  const t: unknown = s.metadata.creationTimestamp;
  if (t instanceof Date) return t.toISOString().replace(/\.\d+Z$/, 'Z');
  return typeof t === 'string' ? t : '';
}

/** Oldest first; creation times tie at the second, then the name decides. */
function older(a: AnalysisSession, b: AnalysisSession): boolean {
  const ta = created(a);
  const tb = created(b);
  return ta !== tb
    ? ta < tb
    : `${a.metadata.namespace}/${a.metadata.name}` < `${b.metadata.namespace}/${b.metadata.name}`;
}

function revision(q: Quota): bigint | undefined {
  const rv = q.metadata.resourceVersion;
  return rv && /^\d+$/.test(rv) ? BigInt(rv) : undefined;
}

export class QuotaGate {
  /** The quotas this process wrote last, until the cache catches up (so the next admission sees them). */
  private readonly written = new Map<string, Quota>();
  /** Per quota, the last ledger write of this process in line (see serially). */
  private readonly chains = new Map<string, Promise<unknown>>();

  private readonly client: RestClient;
  private readonly quotas: Cache<Quota>;
  private readonly sessions: Cache<AnalysisSession>;

  constructor(client: RestClient, quotas: Cache<Quota>, sessions: Cache<AnalysisSession>) {
    this.client = client;
    this.quotas = quotas;
    this.sessions = sessions;
  }

  async admit(input: QuotaInput): Promise<QuotaOutcome> {
    const { session, resources } = input;
    const applicable = applicableQuotas(subjectOf(session), this.quotas.list()).map((q) => this.fresh(q));
    const cap = lifetimeCap(applicable);
    const base = { events: [] as SessionEvent[], ...(cap ? { lifetimeCap: cap } : {}) };
    if (applicable.length === 0)
      return { ...base, admitted: true, verdict: verdict('True', 'no Quota applies') };
    const names = applicable.map((q) => q.metadata.name).join(', ');
    if (!input.wantsToRun || !resources) {
      return {
        ...base,
        admitted: true,
        verdict: verdict('True', `holds no share while it does not run (${names})`),
      };
    }
    const share = shareOf(resources);
    const uid = session.metadata.uid ?? '';
    const missing = applicable.filter((q) => {
      const e = holds(q, uid);
      return !e || !sameShare(entryShare(e), share);
    });
    const admitted: QuotaOutcome = {
      ...base,
      admitted: true,
      verdict: verdict('True', `within ${names}`),
    };
    if (missing.length === 0) return admitted;
    const before = input.workloadPresent ? resizedFrom(applicable, uid, share) : undefined;
    let recheck: Recheck = { kind: 'none' };
    if (before) {
      // A resize of a running session is checked like an admission, for what grows; refused, the
      // session keeps running with what it holds, and the reconciler keeps its workload as it is.
      const refusal = resizeRefusal(
        before,
        share,
        applicable.map((q) => this.check(q, session)),
      );
      if (refusal) return resizeRefused(base, refusal.message);
      recheck = { kind: 'resize', from: before };
    } else if (!input.workloadPresent) {
      const checks = applicable.map((q) => this.check(q, session));
      const refusal = firstRefusal(share, checks);
      if (refusal) return { ...base, admitted: false, verdict: verdict('False', refusal.message) };
      recheck = { kind: 'admission' };
    }
    const entry = entryFor(session, share);
    for (const q of missing) {
      const outcome = await this.serially(q.metadata.name, () =>
        this.recordOnLatest(q, entry, session, recheck),
      );
      if ('conflict' in outcome) return { ...admitted, admitted: false, retry: true };
      if ('refused' in outcome) {
        if (before) return resizeRefused(base, outcome.refused);
        return { ...base, admitted: false, verdict: verdict('False', outcome.refused) };
      }
    }
    const waited = heldBy(session);
    if (waited) {
      admitted.events.push({
        type: 'Normal',
        reason: 'QuotaAdmitted',
        note: before
          ? `Resized: the new resources fit ${names} now (the resize waited for quota ${waited}).`
          : `Admitted: the session fits ${names} now (it waited for quota ${waited}).`,
      });
    }
    return admitted;
  }

  /** Forgets what this process wrote of a deleted quota. */
  forget(name: string): void {
    this.written.delete(name);
  }

  /** What others hold and who waits before this session. */
  private check(quota: Quota, session: AnalysisSession): QuotaCheck {
    const uid = session.metadata.uid;
    const held = countedEntries(quota, session.spec.owner).filter((e) => e.uid !== uid);
    const inLedger = new Set((quota.status?.ledger ?? []).map((e) => e.uid));
    const ahead = this.sessions
      .byIndex(SESSIONS_HELD_BY_QUOTA, quota.metadata.name)
      .filter(
        (w) =>
          w.metadata.uid !== uid &&
          !inLedger.has(w.metadata.uid ?? '') &&
          (quota.spec.subject.kind !== 'EachUser' || w.spec.owner === session.spec.owner) &&
          older(w, session),
      )
      .map((w): Share => {
        const r = w.status?.resources;
        return {
          cpu: String(r?.cpu ?? '0'),
          memory: String(r?.memory ?? '0'),
          ...(r?.disk ? { disk: String(r.disk) } : {}),
          gpus: r?.gpus ?? 0,
        };
      });
    return { quota, held, ahead };
  }

  /**
   * The admissions of this process write one quota one at a time (so a burst does not answer itself
   * with conflicts): each checks again on the newest version this process knows, then writes it.
   */
  private serially<T>(key: string, write: () => Promise<T>): Promise<T> {
    const run = (this.chains.get(key) ?? Promise.resolve()).then(write, write);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.chains.set(key, tail);
    void tail.then(() => {
      if (this.chains.get(key) === tail) this.chains.delete(key);
    });
    return run;
  }

  private async recordOnLatest(
    read: Quota,
    entry: LedgerEntry,
    session: AnalysisSession,
    recheck: Recheck,
  ): Promise<{ written: true } | { conflict: true } | { refused: string }> {
    const cached = this.quotas.get(read.metadata.name);
    const latest = cached ? this.fresh(cached) : read;
    if (latest.metadata.resourceVersion !== read.metadata.resourceVersion) {
      const held = holds(latest, entry.uid);
      if (held && sameShare(entryShare(held), entryShare(entry))) return { written: true };
      const ask = entryShare(entry);
      const checks = () => [this.check(latest, session)];
      const refusal =
        recheck.kind === 'admission'
          ? firstRefusal(ask, checks())
          : recheck.kind === 'resize'
            ? resizeRefusal(recheck.from, ask, checks())
            : undefined;
      if (refusal) return { refused: refusal.message };
    }
    return this.record(latest, entry);
  }

  /** One ledger write, refused (409) if the quota changed since it was read. */
  private async record(
    quota: Quota,
    entry: LedgerEntry,
  ): Promise<{ written: true } | { conflict: true } | { refused: string }> {
    try {
      const write = await writeStatus(this.client, Quotas, quota, withEntry(quota, entry));
      this.written.set(quota.metadata.name, write.object);
      return { written: true };
    } catch (err) {
      const code = statusCodeOf(err);
      // 409: another writer changed the quota since it was read; 404: it was deleted. Look again.
      if (code === 409 || code === 404) return { conflict: true };
      if (code === 422) {
        return {
          refused: `The ledger of quota ${quota.metadata.name} is full (${quota.status?.ledger?.length ?? 0} sessions) (quota ${quota.metadata.name}). Ask the facility to split the quota.`,
        };
      }
      throw err;
    }
  }

  /** The newer of the cached quota and the one this process last wrote. */
  private fresh(cached: Quota): Quota {
    const mine = this.written.get(cached.metadata.name);
    if (!mine || mine.metadata.uid !== cached.metadata.uid) return cached;
    const a = revision(mine);
    const b = revision(cached);
    if (a === undefined || b === undefined || b >= a) {
      this.written.delete(cached.metadata.name);
      return cached;
    }
    return mine;
  }
}
