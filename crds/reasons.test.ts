// The reasons of crds/reasons.ts against the two places that must agree with them: the API reference
// (docs/api.md) and the operator's source. The types already refuse an unknown reason wherever the
// operator types its reasons as SessionReason; the source scan is a safety net for the places that
// still pass plain strings.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';
import { OPERATOR_RULES } from './operator-rules.ts';
import {
  QUOTA_REASONS,
  SESSION_REASONS,
  isQuotaReason,
  isEventReason,
  isSessionReason,
  reasonsTable,
  type SessionReasonOn,
} from './reasons.ts';

const repoRoot = join(import.meta.dirname, '..');

/** The operator's source files, without tests. */
async function operatorSources(): Promise<string[]> {
  const dir = join(repoRoot, 'operator');
  const entries = await readdir(dir, { recursive: true });
  return entries
    .filter((path) => path.endsWith('.ts') && !path.endsWith('.test.ts'))
    .map((path) => join(dir, path));
}

/**
 * The string literals the source uses as a reason: `reason: '...'`, `reason = '...'` (every literal
 * of the expression up to the end of its line, so `reason = idle ? 'A' : 'B'` counts both), and the
 * first argument of the operator's `fail('...', ...)` and `refuse('...', ...)` helpers.
 */
function reasonLiterals(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(/\breason\s*(?::|=(?![=>]))[ \t]*([^,;\n]*)/g)) {
    for (const literal of (match[1] ?? '').matchAll(/'([^'\n]*)'/g)) found.push(literal[1] ?? '');
  }
  for (const match of source.matchAll(/\b(?:fail|refuse)\(\s*'([^'\n]*)'/g)) found.push(match[1] ?? '');
  return found;
}

describe('reasons', () => {
  test('the scan finds reasons in every form the operator writes them', () => {
    const source = [
      "verdict: { type: 'Accepted', status: 'False', reason: 'ImageNotFound', message },",
      "reason = idle ? 'IdleTimeout' : 'StoppedByUser';",
      "reason: clock?.expired ? 'Expired' : 'NotYet',",
      "reason = blocking?.reason ?? 'Failed';",
      "return fail('InvalidDataPath', field, 'x');",
      "return refuse(\n  'ImageDisabled',\n  'message');",
      "if (scheduled.reason === 'Unschedulable') {}",
      'reason: `probe failed: ${probe.error}`,',
      'reason: string;',
    ].join('\n');
    expect(reasonLiterals(source)).toEqual([
      'ImageNotFound',
      'IdleTimeout',
      'StoppedByUser',
      'Expired',
      'NotYet',
      'Failed',
      'InvalidDataPath',
      'ImageDisabled',
    ]);
  });

  test("every reason literal in the operator's source is a SessionReason (or a Quota's)", async () => {
    const unknown: string[] = [];
    let count = 0;
    for (const file of await operatorSources()) {
      for (const reason of reasonLiterals(await readFile(file, 'utf8'))) {
        count++;
        // An empty string is a local default (`waiting?.reason ?? ''`), never a reported reason:
        // setCondition refuses it.
        if (reason !== '' && !isSessionReason(reason) && !isEventReason(reason) && !isQuotaReason(reason))
          unknown.push(`${relative(repoRoot, file)}: ${reason}`);
      }
    }
    // Add such reasons to SESSION_REASONS in crds/reasons.ts (with their meaning), then `npm run generate`.
    expect(unknown).toEqual([]);
    // The scan must keep seeing the operator's reasons; if this fails, the code changed form.
    expect(count).toBeGreaterThan(40);
  });

  test('docs/api.md lists every reason, in the generated table', async () => {
    const docs = await readFile(join(repoRoot, 'docs/api.md'), 'utf8');
    expect(docs).toContain(reasonsTable());
    const missing = [...Object.keys(SESSION_REASONS), ...Object.keys(QUOTA_REASONS)].filter(
      (reason) => !docs.includes(`| \`${reason}\` |`),
    );
    expect(missing).toEqual([]);
  });

  test('the examples in docs/api.md use only known reasons', async () => {
    const docs = await readFile(join(repoRoot, 'docs/api.md'), 'utf8');
    const used = [...docs.matchAll(/^\s+reason: (\S+)$/gm)].map((m) => m[1] ?? '');
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((r) => !isSessionReason(r) && !isQuotaReason(r))).toEqual([]);
  });

  test('every operator rule names a documented reason', () => {
    for (const rule of OPERATOR_RULES)
      expect(isSessionReason(rule.reason) || isQuotaReason(rule.reason)).toBe(true);
  });

  test('SessionReasonOn gives the reasons of one condition (and Waiting)', () => {
    const accepted: SessionReasonOn<'Accepted'>[] = [
      'Accepted',
      'ImageNotFound',
      'InvalidResources',
      'Waiting',
    ];
    // @ts-expect-error Attached is a reason of DataReady
    const wrong: SessionReasonOn<'Accepted'> = 'Attached';
    expect(accepted.map((r) => SESSION_REASONS[r].condition)).toEqual([
      'Accepted',
      'Accepted',
      'Accepted',
      'ordered',
    ]);
    expect(SESSION_REASONS[wrong].condition).toBe('DataReady');
  });

  test('session and quota reasons are distinct, CamelCase, and valid condition reasons', () => {
    const all = [...Object.keys(SESSION_REASONS), ...Object.keys(QUOTA_REASONS)];
    expect(new Set(all).size).toBe(all.length);
    for (const reason of all) expect(reason).toMatch(/^[A-Z][A-Za-z0-9]*$/);
  });
});
