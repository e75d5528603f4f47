// What `npm run onboard` renders, against the real API server: the example's output passes a
// server-side dry run, and a rendered proposal applied for real gives its members what their roles
// say (checked with `kubectl auth can-i --as`, as the API server decides it).
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { canI, installCrds, kubectl } from '../../crds/testing/api-server.ts';
import { onboard } from './cli.ts';

const examples = join(import.meta.dirname, '..', '..', 'examples', 'onboarding');
const suffix = randomBytes(3).toString('hex');
const proposal = `OB-${suffix}`;
const namespace = `proposal-ob-${suffix}`;
const user = (name: string) => `${name}-${suffix}`;
let dir: string;

beforeAll(async () => {
  await installCrds();
  dir = await mkdtemp(join(tmpdir(), 'onboard-int-'));
}, 120_000);

afterAll(async () => {
  await kubectl('delete', 'namespace', namespace, '--wait=false', '--ignore-not-found');
  await rm(dir, { recursive: true, force: true });
});

describe('npm run onboard output on the real API server', () => {
  it('the example output passes a server-side dry run (namespaces; bindings in an existing namespace)', async () => {
    const rendered = join(examples, 'rendered');
    for (const file of (await readdir(rendered)).filter((f) => f.startsWith('proposal-'))) {
      const docs = parseAllDocuments(await readFile(join(rendered, file), 'utf8')).map(
        (d) => d.toJS() as { kind: string; metadata: { namespace?: string } },
      );
      // A dry run creates nothing, so the bindings go into a namespace that exists (default).
      const objects = docs.map((d) =>
        d.kind === 'Namespace' ? d : { ...d, metadata: { ...d.metadata, namespace: 'default' } },
      );
      const path = join(dir, file.replace('.yaml', '.json'));
      await writeFile(path, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
      const out = await kubectl(
        'apply',
        '--dry-run=server',
        '--server-side',
        '--field-manager=onboard-test',
        '-f',
        path,
      );
      expect(out).toMatch(/namespace\/proposal-[a-z0-9-]+ serverside-applied \(server dry run\)/);
      expect(out).toContain(
        'rolebinding.rbac.authorization.k8s.io/daas-members serverside-applied (server dry run)',
      );
    }
  });

  it('an onboarded proposal: its members launch sessions there, observers only read, others nothing', async () => {
    const from = join(dir, 'export.json');
    await writeFile(
      from,
      JSON.stringify([
        {
          proposal,
          title: 'Onboarding test',
          beamline: 'id16a',
          dataRoot: `/data/visitor/ob${suffix}/id16a`,
          uid: 24510,
          gid: 24510,
          members: [
            { user: user('pi'), role: 'principal-investigator' },
            { user: user('watcher'), role: 'observer' },
          ],
          experimentSessions: [{ id: '2025-03-12', start: '2025-03-12', end: '2025-03-15' }],
        },
      ]),
    );
    const out = join(dir, 'out');
    let err = '';
    expect(
      await onboard(['--from', from, '--out', out], { write: () => undefined, error: (t) => (err += t) }),
    ).toBe(0);
    expect(err).toContain('wrote 1 proposals');
    await kubectl('apply', '--server-side', '--field-manager=onboard-test', '-k', out);
    const labels = await kubectl('get', 'namespace', namespace, '-o', 'jsonpath={.metadata.labels}');
    expect(JSON.parse(labels)).toMatchObject({ 'daas.calipsoplus.eu/proposal': proposal });
    expect(await canI(user('pi'), 'create', 'analysissessions', namespace)).toBe(true);
    expect(await canI(user('watcher'), 'get', 'analysissessions', namespace)).toBe(true);
    expect(await canI(user('watcher'), 'create', 'analysissessions', namespace)).toBe(false);
    expect(await canI(user('stranger'), 'get', 'analysissessions', namespace)).toBe(false);
  }, 60_000);
});
