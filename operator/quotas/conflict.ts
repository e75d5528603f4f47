// Two Quotas with one subject (the same user, group or proposal, or two EachUser defaults): both
// apply to the same sessions (subjects.ts), so for every limit the stricter one holds. The Quota
// controller says so on each of them as a Conflict condition naming the others. Pure.
import type { Quota } from '../../crds/index.ts';
import type { ConditionUpdate } from '../../runtime/conditions.ts';

const live = (q: Quota) => !q.metadata.deletionTimestamp;

export function sameSubject(a: Quota, b: Quota): boolean {
  const x = a.spec.subject;
  const y = b.spec.subject;
  return x.kind === y.kind && (x.kind === 'EachUser' || x.name === y.name);
}

/** The other live quotas with the subject of `quota`, by name. */
export function duplicatesOf(quota: Quota, quotas: readonly Quota[]): Quota[] {
  return quotas
    .filter((q) => live(q) && q.metadata.name !== quota.metadata.name && sameSubject(q, quota))
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

function subjectWords(q: Quota): string {
  const { kind, name = '' } = q.spec.subject;
  switch (kind) {
    case 'EachUser':
      return 'every user (EachUser)';
    case 'User':
      return `the user ${name}`;
    case 'Group':
      return `the group ${name}`;
    default:
      return `proposal ${name}`;
  }
}

/** The Conflict condition of `quota` among `quotas`. */
export function conflictCondition(quota: Quota, quotas: readonly Quota[]): ConditionUpdate {
  const others = duplicatesOf(quota, quotas).map((q) => q.metadata.name);
  if (others.length === 0)
    return {
      type: 'Conflict',
      status: 'False',
      reason: 'UniqueSubject',
      message: 'no other Quota has this subject',
    };
  const names =
    others.length === 1 ? `Quota ${others[0] ?? ''} also limits` : `Quotas ${others.join(', ')} also limit`;
  return {
    type: 'Conflict',
    status: 'True',
    reason: 'DuplicateSubject',
    message: `${names} ${subjectWords(quota)}: every one of them applies to the same sessions, so for each limit (sessions, cpu, memory, GPUs, disk, maxLifetime) the stricter one holds. Keep one Quota per subject.`,
  };
}
