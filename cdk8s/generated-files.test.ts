// The drift check: committed CRDs and API reference must equal what the zod schemas generate, and
// a hand edit to the generated YAML must be caught (by the function and by the CI command).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, test } from 'vitest';
import { findDrift, renderGeneratedFiles, writeGeneratedFiles } from './generated-files.ts';

const repoRoot = join(import.meta.dirname, '..');
const CRD_FILE = 'crds/analysissessions.daas.calipsoplus.eu.yaml';
const tempDirs: string[] = [];

async function generatedCopy(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'daas-generated-'));
  tempDirs.push(dir);
  await writeGeneratedFiles(dir, await renderGeneratedFiles(repoRoot));
  return dir;
}

async function runCheck(out: string): Promise<{ code: number; stderr: string }> {
  try {
    await promisify(execFile)(process.execPath, [
      join(repoRoot, 'cdk8s/generate.ts'),
      '--check',
      '--out',
      out,
    ]);
    return { code: 0, stderr: '' };
  } catch (error) {
    const failure = error as { code: number; stderr: string };
    return { code: failure.code, stderr: failure.stderr };
  }
}

afterEach(async () => {
  for (const dir of tempDirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('generated files', () => {
  test('the committed CRDs and docs/api.md are what the schemas generate (run `npm run generate`)', async () => {
    expect(await findDrift(repoRoot, await renderGeneratedFiles(repoRoot))).toEqual([]);
  });

  test('one CRD file per kind, named after the CRD, the admission policies and the user roles, in crds/ where `kubectl apply -f crds/` finds them', async () => {
    const files = [...(await renderGeneratedFiles(repoRoot)).keys()];
    expect(files).toEqual([
      'crds/sessionimages.daas.calipsoplus.eu.yaml',
      CRD_FILE,
      'crds/quotas.daas.calipsoplus.eu.yaml',
      'crds/session-admission-policies.yaml',
      'crds/user-roles.yaml',
      // Applied only where the API server serves MutatingAdmissionPolicy (crds/group-stamping.ts).
      'crds/optional/session-group-stamping.yaml',
      'deploy/install.yaml',
      'docs/api.md',
    ]);
  });

  test('a hand edit to a generated CRD is detected', async () => {
    const dir = await generatedCopy();
    const path = join(dir, CRD_FILE);
    const original = await readFile(path, 'utf8');
    await writeFile(path, original.replace('maxLength: 128', 'maxLength: 4096'));
    expect(await findDrift(dir, await renderGeneratedFiles(repoRoot))).toEqual([
      `${CRD_FILE}: differs from what the schemas generate`,
    ]);
  });

  test('a hand edit to deploy/install.yaml is detected', async () => {
    const dir = await generatedCopy();
    const path = join(dir, 'deploy/install.yaml');
    const original = await readFile(path, 'utf8');
    await writeFile(path, original.replace('replicas: 2', 'replicas: 3'));
    expect(await findDrift(dir, await renderGeneratedFiles(repoRoot))).toEqual([
      'deploy/install.yaml: differs from what the schemas generate',
    ]);
  });

  test('a deleted generated file is detected', async () => {
    const dir = await generatedCopy();
    await rm(join(dir, 'docs/api.md'));
    expect(await findDrift(dir, await renderGeneratedFiles(repoRoot))).toEqual(['docs/api.md: missing']);
  });

  test('`npm run generate:check` passes on fresh output and fails, naming the file, after a hand edit', async () => {
    const dir = await generatedCopy();
    expect((await runCheck(dir)).code).toBe(0);
    const path = join(dir, CRD_FILE);
    await writeFile(path, (await readFile(path, 'utf8')).replace('- asess', '- as'));
    const result = await runCheck(dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${CRD_FILE}: differs`);
    expect(result.stderr).toContain('npm run generate');
    // Two processes that each render everything: seconds on a busy machine.
  }, 30_000);
});
