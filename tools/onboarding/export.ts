// A user office's export of proposals, as this command reads it (JSON, or CSV with one row per
// proposal and the lists in cells), checked with zod: every bad row is reported with its row and
// field, and nothing is rendered unless every row is good. Pure.
import { z } from 'zod';
import { DNS_LABEL, PROPOSAL_ID, USER_NAME } from '../../crds/schema/primitives.ts';
import type { CsvRow } from './csv.ts';

/** The roles of a user office, and the cluster role each is bound to (crds/user-roles.ts). */
export const MEMBER_ROLES = {
  'principal-investigator': 'scientist',
  'co-investigator': 'scientist',
  'local-contact': 'scientist',
  scientist: 'scientist',
  observer: 'viewer',
  viewer: 'viewer',
} as const;
export type MemberRole = keyof typeof MEMBER_ROLES;
const ROLE_NAMES = Object.keys(MEMBER_ROLES) as [MemberRole, ...MemberRole[]];

const EXPERIMENT_SESSION = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

const date = z
  .string()
  .regex(DATE, 'expected a date such as 2025-03-12')
  .refine(
    (d) =>
      !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d),
    {
      error: 'not a calendar date',
    },
  );

/** A uid or gid as the export gives it (a number, or digits in a CSV cell); never 0. */
const id = z.coerce
  .number({ error: 'expected a whole number' })
  .int('expected a whole number')
  .min(1, 'must not be 0 (sessions never run as root)')
  .max(2147483647, 'must be at most 2147483647');

export const member = z.strictObject({
  user: z
    .string()
    .max(128, 'at most 128 characters')
    .regex(
      new RegExp(USER_NAME),
      'must be a user name: letters, digits and . _ @ + : -, starting with a letter or digit',
    ),
  role: z.enum(ROLE_NAMES, { error: `expected one of ${ROLE_NAMES.join(', ')}` }),
});

export const experimentSession = z
  .strictObject({
    id: z
      .string()
      .max(63, 'at most 63 characters')
      .regex(EXPERIMENT_SESSION, 'must be an experiment session id: letters, digits, . _ and -, no slashes'),
    start: date,
    end: date,
  })
  .refine((s) => s.start <= s.end, { error: 'the end is before the start', path: ['end'] });

export const proposalRecord = z
  .strictObject({
    proposal: z
      .string()
      .max(63, 'at most 63 characters')
      .regex(
        new RegExp(PROPOSAL_ID),
        'must be a proposal id: letters, digits, . _ and -, starting and ending with a letter or digit',
      ),
    title: z.string().trim().min(1, 'must not be empty').max(512, 'at most 512 characters'),
    beamline: z
      .string()
      .max(63, 'at most 63 characters')
      .regex(new RegExp(PROPOSAL_ID), 'must be a beamline name: letters, digits, . _ and -'),
    abstract: z.string().max(4096, 'at most 4096 characters').optional(),
    dataRoot: z
      .string()
      .regex(/^\/[^\0]*$/, 'expected an absolute path such as /data/visitor/mx2451/id16a')
      .refine((p) => !p.split('/').includes('..'), { error: 'must not contain ..' }),
    uid: id,
    gid: id,
    members: z.array(member).min(1, 'at least one member'),
    experimentSessions: z.array(experimentSession).default([]),
  })
  .superRefine((p, ctx) => {
    const twice = (values: string[], path: string, what: string) => {
      const seen = new Set<string>();
      values.forEach((v, i) => {
        if (seen.has(v))
          ctx.addIssue({ code: 'custom', path: [path, i], message: `${what} ${v} is listed twice` });
        seen.add(v);
      });
    };
    twice(
      p.members.map((m) => m.user),
      'members',
      'the user',
    );
    twice(
      p.experimentSessions.map((s) => s.id),
      'experimentSessions',
      'the experiment session',
    );
    const ns = namespaceOf(p.proposal);
    if (new RegExp(PROPOSAL_ID).test(p.proposal) && (ns.length > 63 || !new RegExp(DNS_LABEL).test(ns)))
      ctx.addIssue({
        code: 'custom',
        path: ['proposal'],
        message: `is too long for a namespace name (${ns} has more than 63 characters)`,
      });
  });

export type ProposalRecord = z.output<typeof proposalRecord>;

/** The namespace of a proposal: `proposal-` and the id in lower case, dots and underscores as dashes. */
export function namespaceOf(proposal: string): string {
  return `proposal-${proposal.toLowerCase().replace(/[._]/g, '-')}`;
}

/** One row of the export and where it came from, for messages ("line 4", "proposals[2]"). */
export interface ExportRow {
  where: string;
  value: unknown;
}

/** A CSV row as the JSON form: `members` is `user=role;...`, `experimentSessions` is `id=start/end;...`. */
export function csvRecord(row: CsvRow): ExportRow {
  const f = row.fields;
  const list = (text: string | undefined) =>
    (text ?? '')
      .split(';')
      .map((s) => s.trim())
      .filter(Boolean);
  const pair = (text: string) => {
    const at = text.indexOf('=');
    return at < 0 ? [text, ''] : [text.slice(0, at).trim(), text.slice(at + 1).trim()];
  };
  const value: Record<string, unknown> = { ...f };
  if (f.abstract === '') delete value.abstract;
  if ('members' in f)
    value.members = list(f.members).map((m) => {
      const [user, role] = pair(m);
      return { user, role };
    });
  if ('experimentSessions' in f)
    value.experimentSessions = list(f.experimentSessions).map((s) => {
      const [id, dates = ''] = pair(s);
      const [start, end] = dates.split('/');
      return { id, start: start ?? '', end: end ?? start ?? '' };
    });
  return { where: `line ${String(row.line)}`, value };
}

/** The rows of a JSON export: an array of proposals, or `{ "proposals": [...] }`. */
export function jsonRows(data: unknown): ExportRow[] {
  const list: unknown = Array.isArray(data) ? data : (data as { proposals?: unknown } | null)?.proposals;
  if (!Array.isArray(list))
    throw new ExportError(['expected an array of proposals, or {"proposals": [...]}']);
  return (list as unknown[]).map((value, i) => ({ where: `proposals[${String(i)}]`, value }));
}

export class ExportError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(
      `the export has ${String(problems.length)} problem${problems.length === 1 ? '' : 's'}:\n  ${problems.join('\n  ')}`,
    );
    this.name = 'ExportError';
    this.problems = problems;
  }
}

function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, key) =>
      typeof key === 'number' ? `${text}[${String(key)}]` : text ? `${text}.${String(key)}` : String(key),
    '',
  );
}

/** Every row checked; throws ExportError naming each bad row and field, so nothing is half-rendered. */
export function readProposals(rows: readonly ExportRow[]): ProposalRecord[] {
  const problems: string[] = [];
  const good: ProposalRecord[] = [];
  const namespaces = new Map<string, string>();
  for (const row of rows) {
    const parsed = proposalRecord.safeParse(row.value);
    const id = (row.value as { proposal?: unknown } | null)?.proposal;
    const label = typeof id === 'string' && id ? `${row.where} (proposal ${id})` : row.where;
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        problems.push(`${label}: ${fieldPath(issue.path) || 'the row'}: ${issue.message}`);
      continue;
    }
    const ns = namespaceOf(parsed.data.proposal);
    const before = namespaces.get(ns);
    if (before !== undefined) {
      problems.push(`${label}: proposal: would share the namespace ${ns} with ${before}`);
      continue;
    }
    namespaces.set(ns, `${row.where} (proposal ${parsed.data.proposal})`);
    good.push(parsed.data);
  }
  if (rows.length === 0) problems.push('the export holds no proposals');
  if (problems.length > 0) throw new ExportError(problems);
  return good;
}
