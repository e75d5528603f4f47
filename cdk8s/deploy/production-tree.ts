// The container image's file tree, built without Docker: the same `npm ci --omit=dev` and the same
// source folders the Dockerfile copies (read from the Dockerfile itself, so the two cannot drift),
// minus what .dockerignore leaves out. Tests start the operator and the dashboard from it.
import { execFile } from 'node:child_process';
import { cp, readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { promisify } from 'node:util';

const repoRoot = resolve(import.meta.dirname, '..', '..');

/** The sources the runtime stage copies from the build context (`COPY <src> <dest>`, no --from). */
export function productionSources(dockerfile: string): string[] {
  const sources: string[] = [];
  for (const line of dockerfile.split('\n')) {
    const words = line.trim().split(/\s+/);
    if (words[0] !== 'COPY' || words.some((w) => w.startsWith('--from'))) continue;
    sources.push(...words.slice(1, -1).filter((w) => !w.startsWith('--')));
  }
  return [...new Set(sources)];
}

/** Whether .dockerignore keeps `relativePath` out of the build context (the patterns it uses). */
export function ignoredByDockerignore(relativePath: string): boolean {
  const name = basename(relativePath);
  return name.endsWith('.test.ts') || relativePath.split('/').includes('testing') || name === 'node_modules';
}

/** Builds the image's tree in `dir` (an empty folder): dependencies first, then the sources. */
export async function buildProductionTree(dir: string): Promise<void> {
  for (const file of ['package.json', 'package-lock.json']) await cp(join(repoRoot, file), join(dir, file));
  // --prefer-offline: the cache from the development install serves it, as a registry would.
  await promisify(execFile)('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd: dir,
    maxBuffer: 16 * 1024 * 1024,
  });
  const dockerfile = await readFile(join(repoRoot, 'Dockerfile'), 'utf8');
  for (const source of productionSources(dockerfile)) {
    if (source.startsWith('package')) continue;
    await cp(join(repoRoot, source), join(dir, source), {
      recursive: true,
      filter: (from) => !ignoredByDockerignore(from.slice(repoRoot.length + 1)),
    });
  }
}
