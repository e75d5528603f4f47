// Which Quotas apply to a session: its user quota (a User quota for its owner, else the EachUser
// default: the most specific wins), and every Group quota of a group stamped on it at admission
// and every Proposal quota of its proposal (all of which must hold too). Pure.
import { GROUPS_ANNOTATION, type AnalysisSession, type LedgerEntry, type Quota } from '../../crds/index.ts';

export interface Subject {
  owner: string;
  proposal: string;
  /** The groups stamped on the session when it was created (never a field the user writes). */
  groups: readonly string[];
}

/** The stamped groups: comma-separated names, as the admission policy writes them (crds/group-stamping.ts). */
export function stampedGroups(session: Pick<AnalysisSession, 'metadata'>): string[] {
  const text = session.metadata.annotations?.[GROUPS_ANNOTATION] ?? '';
  return text
    .split(',')
    .map((g) => g.trim())
    .filter((g) => g.length > 0);
}

export function subjectOf(session: AnalysisSession): Subject {
  return { owner: session.spec.owner, proposal: session.spec.proposal, groups: stampedGroups(session) };
}

const live = (q: Quota) => !q.metadata.deletionTimestamp;
const kind = (q: Quota) => q.spec.subject.kind;
const byName = (a: Quota, b: Quota) => a.metadata.name.localeCompare(b.metadata.name);

/**
 * The quotas that apply, sorted by name: every admission writes their ledgers in this one order,
 * so two sessions never hold one quota each while waiting for the other's.
 */
export function applicableQuotas(s: Subject, quotas: readonly Quota[]): Quota[] {
  const candidates = quotas.filter(live);
  const own = candidates.filter((q) => kind(q) === 'User' && q.spec.subject.name === s.owner);
  const user = own.length > 0 ? own : candidates.filter((q) => kind(q) === 'EachUser');
  const shared = candidates.filter(
    (q) =>
      (kind(q) === 'Group' && s.groups.includes(q.spec.subject.name ?? '')) ||
      (kind(q) === 'Proposal' && q.spec.subject.name === s.proposal),
  );
  return [...user, ...shared].sort(byName);
}

/** The ledger entries a session of `owner` is counted with: an EachUser quota holds each user apart. */
export function countedEntries(quota: Quota, owner: string): LedgerEntry[] {
  const ledger = quota.status?.ledger ?? [];
  return kind(quota) === 'EachUser' ? ledger.filter((e) => e.user === owner) : ledger;
}

/** Whose usage a quota limits, for messages: "You", "The group x", "Proposal y". */
export function holderWords(quota: Quota): { subject: string; verb: string } {
  const name = quota.spec.subject.name ?? '';
  switch (kind(quota)) {
    case 'Group':
      return { subject: `The group ${name}`, verb: 'uses' };
    case 'Proposal':
      return { subject: `Proposal ${name}`, verb: 'uses' };
    default:
      return { subject: 'You', verb: 'use' };
  }
}
