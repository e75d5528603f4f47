import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ignoredByDockerignore, productionSources } from './production-tree.ts';

describe('the production tree', () => {
  test("takes the Dockerfile's sources from the build context, not from other stages", () => {
    const dockerfile = readFileSync(join(import.meta.dirname, '..', '..', 'Dockerfile'), 'utf8');
    expect(productionSources(dockerfile)).toEqual(['package.json', 'package-lock.json', 'runtime', 'crds', 'operator', 'dashboard']);
    expect(productionSources('COPY --from=build /app/x ./x\nCOPY --chown=1:1 a b ./\n')).toEqual(['a', 'b']);
  });

  test('leaves out tests and test helpers, as .dockerignore does', () => {
    expect(ignoredByDockerignore('operator/sessions/drift.test.ts')).toBe(true);
    expect(ignoredByDockerignore('crds/testing/api-server.ts')).toBe(true);
    expect(ignoredByDockerignore('operator/sessions/drift.ts')).toBe(false);
    const dockerignore = readFileSync(join(import.meta.dirname, '..', '..', '.dockerignore'), 'utf8');
    expect(dockerignore).toContain('**/*.test.ts');
    expect(dockerignore).toContain('**/testing');
  });
});
