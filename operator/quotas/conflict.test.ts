import { describe, expect, it } from 'vitest';
import { quota } from './fixtures.ts';
import { conflictCondition, duplicatesOf } from './conflict.ts';

const alice = quota('alice', { kind: 'User', name: 'akowalska' }, { sessions: 5 });
const alice2 = quota('alice-gpus', { kind: 'User', name: 'akowalska' }, { gpus: 1 });
const bob = quota('bob', { kind: 'User', name: 'bnowak' }, { sessions: 5 });
const each = quota('default-per-user', { kind: 'EachUser' }, { sessions: 5 });
const each2 = quota('old-default', { kind: 'EachUser' }, { sessions: 3 });
const group = quota('staff', { kind: 'Group', name: 'akowalska' }, { sessions: 1 });

describe('quotas with one subject', () => {
  it('are the same kind and name (EachUser: any two); a group named like a user is another subject', () => {
    const all = [alice, alice2, bob, each, each2, group];
    expect(duplicatesOf(alice, all).map((q) => q.metadata.name)).toEqual(['alice-gpus']);
    expect(duplicatesOf(each2, all).map((q) => q.metadata.name)).toEqual(['default-per-user']);
    expect(duplicatesOf(bob, all)).toEqual([]);
    expect(duplicatesOf(group, all)).toEqual([]);
    const leaving = {
      ...alice2,
      metadata: { ...alice2.metadata, deletionTimestamp: '2026-12-01T00:00:00Z' },
    };
    expect(duplicatesOf(alice, [alice, leaving])).toEqual([]);
  });

  it('say which quota shares the subject and which limits hold, in plain words', () => {
    expect(conflictCondition(alice, [alice, alice2, bob])).toEqual({
      type: 'Conflict',
      status: 'True',
      reason: 'DuplicateSubject',
      message:
        'Quota alice-gpus also limits the user akowalska: every one of them applies to the same sessions, so for each limit (sessions, cpu, memory, GPUs, disk, maxLifetime) the stricter one holds. Keep one Quota per subject.',
    });
    expect(conflictCondition(each, [each, each2, alice]).message).toMatch(
      /^Quota old-default also limits every user \(EachUser\)/,
    );
    expect(conflictCondition(bob, [alice, alice2, bob])).toEqual({
      type: 'Conflict',
      status: 'False',
      reason: 'UniqueSubject',
      message: 'no other Quota has this subject',
    });
  });
});
