// The Quota controller: keeps each Quota's ledger true to the sessions that exist and what they do,
// and its status readable. It releases the share of sessions that rest (Stopped, Expired, Failed,
// as their status says for the admitted generation or a later one) and of sessions the API server
// confirms are gone, which also repairs a ledger after a crash between the ledger write and the
// session's status write. It counts the sessions that wait, and says when another Quota has the same
// subject (Conflict). Writes carry the resourceVersion read.
import type { AnalysisSession, Quota } from '../../crds/index.ts';
import type { OperatorContext } from '../../runtime/app.ts';
import { writeStatus } from '../../runtime/apply.ts';
import { jsonEqual } from '../../runtime/equal.ts';
import { statusCodeOf } from '../../runtime/errors.ts';
import { generationChanged, type ReconcileResult, type Request } from '../../runtime/controller.ts';
import type { Cache } from '../../runtime/informer.ts';
import { objectPath, splitKey, type KubeObject } from '../../runtime/resources.ts';
import type { RestClient } from '../../runtime/rest.ts';
import { AnalysisSessions, Quotas } from '../api.ts';
import { QUOTAS_BY_LEDGER_UID, SESSIONS_HELD_BY_QUOTA, quotasCache, sessionsCache } from '../indexes.ts';
import { setCondition } from '../../runtime/conditions.ts';
import { conflictCondition, duplicatesOf } from './conflict.ts';
import { restingSince, withoutEntries } from './ledger.ts';
import { heldBy } from './policy.ts';

/** A change of the queued count alone is written at most this often (a burst of queued sessions). */
export const QUEUED_WRITE_INTERVAL_MS = 2000;

export class QuotaReconciler {
  private readonly lastWrite = new Map<string, number>();
  private readonly client: RestClient;
  private readonly quotas: Cache<Quota>;
  private readonly sessions: Cache<AnalysisSession>;
  private readonly now: () => number;

  constructor(
    client: RestClient,
    quotas: Cache<Quota>,
    sessions: Cache<AnalysisSession>,
    now: () => number = Date.now,
  ) {
    this.client = client;
    this.quotas = quotas;
    this.sessions = sessions;
    this.now = now;
  }

  reconcile = async (req: Request): Promise<ReconcileResult | undefined> => {
    const quota = this.quotas.get(req.key);
    if (!quota) {
      this.lastWrite.delete(req.key);
      return undefined;
    }
    const release = new Set<string>();
    for (const entry of quota.status?.ledger ?? []) {
      const session = this.sessions.get(entry.session);
      if (session && session.metadata.uid === entry.uid) {
        if (restingSince(entry, session)) release.add(entry.uid);
      } else if (await this.gone(entry.session, entry.uid)) {
        release.add(entry.uid);
      }
    }
    // Waiting sessions not in the ledger: a running session waiting to resize is not queued.
    const inLedger = new Set((quota.status?.ledger ?? []).map((e) => e.uid));
    const queued = this.sessions
      .byIndex(SESSIONS_HELD_BY_QUOTA, quota.metadata.name)
      .filter((s) => !inLedger.has(s.metadata.uid ?? '')).length;
    const status = withoutEntries(quota, release, queued);
    // Another Quota with this subject: said on both (the stricter limits hold; conflict.ts).
    const conflict = conflictCondition(quota, this.quotas.list());
    status.conditions = setCondition(
      quota.status?.conditions,
      conflict,
      quota.metadata.generation,
      new Date(this.now()),
    );
    if (jsonEqual(quota.status, status)) return undefined;
    // Only the count of waiting sessions changed: written at most every QUEUED_WRITE_INTERVAL_MS.
    const onlyQueued = release.size === 0 && jsonEqual({ ...quota.status, queued }, status);
    const since = this.now() - (this.lastWrite.get(req.key) ?? 0);
    if (onlyQueued && since < QUEUED_WRITE_INTERVAL_MS)
      return { requeueAfterMs: QUEUED_WRITE_INTERVAL_MS - since };
    try {
      await writeStatus(this.client, Quotas, quota, status);
      this.lastWrite.set(req.key, this.now());
    } catch (err) {
      // Another writer (an admission) got there first: read again once the cache has its write.
      if (statusCodeOf(err) === 409) return { requeue: true };
      throw err;
    }
    return undefined;
  };

  /** Whether the API server says the session of an entry is gone (not found, or another UID by that name). */
  private async gone(key: string, uid: string): Promise<boolean> {
    const { namespace, name } = splitKey(key);
    try {
      const live = await this.client.get<AnalysisSession>(objectPath(AnalysisSessions, namespace, name));
      return live.metadata.uid !== uid;
    } catch (err) {
      if (statusCodeOf(err) === 404) return true;
      throw err;
    }
  }
}

export function registerQuotaController(ctx: OperatorContext, options: { workers?: number } = {}): void {
  const m = ctx.manager;
  const quotas = quotasCache(m);
  const sessions = sessionsCache(m);
  const reconciler = new QuotaReconciler(ctx.client, quotas, sessions);
  m.controller({
    name: 'quota',
    for: Quotas,
    reconcile: reconciler.reconcile,
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    watches: [
      {
        // A quota created, changed or deleted concerns the others with its subject (their Conflict).
        type: Quotas,
        predicate: generationChanged,
        map: (q: KubeObject) => duplicatesOf(q as Quota, quotas.list()).map((d) => d.metadata.name),
      },
      {
        // A session concerns the quotas that hold it and the one it waits for.
        type: AnalysisSessions,
        map: (o: KubeObject) => {
          const s = o as AnalysisSession;
          const keys = quotas.indexKeys(QUOTAS_BY_LEDGER_UID, s.metadata.uid ?? '');
          const waitsFor = heldBy(s);
          return waitsFor ? [...keys, waitsFor] : keys;
        },
      },
    ],
  });
}
