// The roles that come with the API, as users see them: members of a proposal launch sessions there,
// others cannot, everyone signed in reads the catalogue, and only admins change it.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { canI, installCrds, kubectl } from './testing/api-server.ts';

// The sample membership, moved into a namespace of this test's own (the examples' test owns and
// deletes proposal-mx-2451, possibly while this file runs).
const NAMESPACE = `roles-${Math.random().toString(16).slice(2, 8)}`;

const can = canI;

beforeAll(async () => {
  await installCrds();
  await kubectl('create', 'namespace', NAMESPACE);
  const dir = await mkdtemp(join(tmpdir(), 'roles-'));
  const members = await readFile('examples/05-proposal-members.yaml', 'utf8');
  await writeFile(
    join(dir, 'members.yaml'),
    members.replace('namespace: proposal-mx-2451', `namespace: ${NAMESPACE}`),
  );
  await kubectl('apply', '--server-side', '-f', join(dir, 'members.yaml'));
  await rm(dir, { recursive: true });
});

afterAll(async () => {
  await kubectl('delete', 'namespace', NAMESPACE, '--wait=false');
});

describe('the user roles (crds/user-roles.yaml) with the sample membership', () => {
  test('a member of the proposal may create and delete sessions in its namespace; a stranger may not', async () => {
    expect(await can('akowalska', 'create', 'analysissessions', NAMESPACE)).toBe(true);
    expect(await can('akowalska', 'delete', 'analysissessions', NAMESPACE)).toBe(true);
    expect(await can('stranger', 'create', 'analysissessions', NAMESPACE)).toBe(false);
    expect(await can('stranger', 'get', 'analysissessions', NAMESPACE)).toBe(false);
    expect(await can('akowalska', 'create', 'analysissessions', 'default')).toBe(false);
  });

  test('every signed-in user reads the catalogue and the quotas, and only admins change them', async () => {
    const authenticated = ['system:authenticated'];
    expect(await can('stranger', 'list', 'sessionimages', undefined, authenticated)).toBe(true);
    expect(await can('stranger', 'get', 'quotas', undefined, authenticated)).toBe(true);
    expect(await can('akowalska', 'create', 'sessionimages', undefined, authenticated)).toBe(false);
    expect(await can('fadmin', 'create', 'sessionimages', undefined, ['daas:admins', ...authenticated])).toBe(
      true,
    );
    expect(await can('fadmin', 'delete', 'analysissessions', NAMESPACE, ['daas:admins'])).toBe(true);
  });

  test("Kubernetes' own edit and view roles include the sessions", async () => {
    const edit = await kubectl('get', 'clusterrole', 'edit', '-o', 'jsonpath={.rules[*].resources}');
    const view = await kubectl('get', 'clusterrole', 'view', '-o', 'jsonpath={.rules[*].resources}');
    expect(edit).toContain('analysissessions');
    expect(view).toContain('analysissessions');
  });
});
