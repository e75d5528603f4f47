// Who runs what, for the admin users page: per owner their sessions by proposal and by image, and
// every Quota that applies to one of their sessions (the operator's own choice of quotas, from the
// groups stamped on each session) with what the operator's ledger says is in use. Pure.
import type { AnalysisSession, Quota } from '../../crds/index.ts';
import { applicableQuotas, subjectOf } from '../../operator/quotas/subjects.ts';

export const QUOTA_LIMITS = ['sessions', 'cpu', 'memory', 'disk', 'gpus'] as const;
export type QuotaLimit = (typeof QUOTA_LIMITS)[number];

export interface Count {
  name: string;
  count: number;
}

export interface QuotaUse {
  quota: string;
  /** "Every user", "User x", "Group g", "Proposal p". */
  subject: string;
  /** Whether the usage is the user's own (EachUser, User) or the total of all its subjects' sessions. */
  own: boolean;
  /** Limit → [in use, allowed]; only the limits the quota sets. */
  limits: { limit: QuotaLimit; used: string; allowed: string }[];
  queued: number;
}

export interface UserUsage {
  user: string;
  sessions: number;
  /** Sessions that should run (state Running), whatever their phase. */
  active: number;
  byProposal: Count[];
  byImage: Count[];
  quotas: QuotaUse[];
}

const counts = (values: readonly string[]): Count[] => {
  const map = new Map<string, number>();
  for (const v of values) map.set(v, (map.get(v) ?? 0) + 1);
  return [...map]
    .map(([name, count]) => ({ name, count }))
    .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
};

export const subjectWords = (q: Quota) =>
  q.spec.subject.kind === 'EachUser' ? 'Every user' : `${q.spec.subject.kind} ${q.spec.subject.name ?? ''}`;

/** What a quota counts for `user`: their own share of an EachUser quota, else the quota's total. */
export function quotaUsage(q: Quota, user: string) {
  return q.spec.subject.kind === 'EachUser'
    ? q.status?.users?.find((u) => u.user === user)?.used
    : q.status?.used;
}

export function quotaUse(q: Quota, user: string): QuotaUse {
  const used = quotaUsage(q, user) as Partial<Record<QuotaLimit, string | number>> | undefined;
  const kind = q.spec.subject.kind;
  return {
    quota: q.metadata.name,
    subject: subjectWords(q),
    own: kind === 'EachUser' || kind === 'User',
    limits: QUOTA_LIMITS.filter((k) => q.spec.limits[k] !== undefined).map((limit) => ({
      limit,
      used: String(used?.[limit] ?? 0),
      allowed: String(q.spec.limits[limit]),
    })),
    queued: q.status?.queued ?? 0,
  };
}

export function usersUsage(sessions: readonly AnalysisSession[], quotas: readonly Quota[]): UserUsage[] {
  const byOwner = new Map<string, AnalysisSession[]>();
  for (const s of sessions) byOwner.set(s.spec.owner, [...(byOwner.get(s.spec.owner) ?? []), s]);
  return [...byOwner]
    .map(([user, own]) => {
      const applying = new Map<string, Quota>();
      for (const s of own)
        for (const q of applicableQuotas(subjectOf(s), quotas)) applying.set(q.metadata.name, q);
      return {
        user,
        sessions: own.length,
        active: own.filter((s) => s.spec.state !== 'Stopped').length,
        byProposal: counts(own.map((s) => s.spec.proposal)),
        byImage: counts(own.map((s) => s.spec.image)),
        quotas: [...applying.values()]
          .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))
          .map((q) => quotaUse(q, user)),
      };
    })
    .sort((a, b) => b.active - a.active || a.user.localeCompare(b.user));
}
