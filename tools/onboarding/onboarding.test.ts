// The example export in examples/onboarding/ renders exactly the files committed beside it (CSV and
// JSON alike), and bad rows are refused with their row and field, before anything is written.
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { onboard } from './cli.ts';
import { csvRecord, jsonRows, readProposals } from './export.ts';
import { proposalManifests } from './render.ts';

const examples = join(import.meta.dirname, '..', '..', 'examples', 'onboarding');

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await onboard(args, { write: (t) => (out += t), error: (t) => (err += t) });
  return { code, out, err };
}

const good = {
  proposal: 'MX-1',
  title: 'T',
  beamline: 'id16a',
  dataRoot: '/data/mx1',
  uid: 1001,
  gid: 1001,
  members: [{ user: 'akowalska', role: 'principal-investigator' }],
};

describe('npm run onboard', () => {
  it.each(['export.csv', 'export.json'])(
    'renders %s as the files in examples/onboarding/rendered',
    async (file) => {
      const dir = await mkdtemp(join(tmpdir(), 'onboard-'));
      try {
        const { code } = await run(['--from', join(examples, file), '--out', dir]);
        expect(code).toBe(0);
        const rendered = join(examples, 'rendered');
        const names = (await readdir(rendered)).sort();
        expect((await readdir(dir)).sort()).toEqual(names);
        for (const name of names)
          expect(await readFile(join(dir, name), 'utf8'), name).toBe(
            await readFile(join(rendered, name), 'utf8'),
          );
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  it('writes the namespace the operator reads and one RoleBinding per role', () => {
    const [p] = readProposals(
      jsonRows([{ ...good, members: [...good.members, { user: 'obs', role: 'observer' }] }]),
    );
    if (!p) throw new Error('expected a proposal');
    const [ns, scientists, viewers, more] = proposalManifests(p);
    expect(ns).toMatchObject({
      kind: 'Namespace',
      metadata: {
        name: 'proposal-mx-1',
        labels: { 'daas.calipsoplus.eu/proposal': 'MX-1' },
        annotations: {
          'daas.calipsoplus.eu/title': 'T',
          'daas.calipsoplus.eu/beamline': 'id16a',
          'daas.calipsoplus.eu/data-root': '/data/mx1',
          'daas.calipsoplus.eu/uid': '1001',
          'daas.calipsoplus.eu/gid': '1001',
        },
      },
    });
    expect(scientists).toMatchObject({
      roleRef: { name: 'daas-scientist' },
      subjects: [{ name: 'akowalska' }],
    });
    expect(viewers).toMatchObject({ roleRef: { name: 'daas-viewer' }, subjects: [{ name: 'obs' }] });
    expect(more).toBeUndefined();
  });

  it('refuses bad rows naming the row and the field, and writes nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'onboard-'));
    try {
      const from = join(dir, 'bad.json');
      await writeFile(
        from,
        JSON.stringify([
          good,
          { ...good, proposal: 'MX-2', uid: 0, members: [{ user: 'a', role: 'boss' }] },
          {
            ...good,
            proposal: 'mx.1',
            experimentSessions: [{ id: 'a/b', start: '2025-03-12', end: '2025-03-10' }],
          },
          { ...good, proposal: 'MX-3', titel: 'typo' },
        ]),
      );
      const out = join(dir, 'out');
      const { code, err } = await run(['--from', from, '--out', out]);
      expect(code).toBe(2);
      expect(err).toContain('proposals[1] (proposal MX-2): uid: must not be 0 (sessions never run as root)');
      expect(err).toContain(
        'proposals[1] (proposal MX-2): members[0].role: expected one of principal-investigator',
      );
      expect(err).toContain(
        'proposals[2] (proposal mx.1): experimentSessions[0].id: must be an experiment session id',
      );
      expect(err).toContain(
        'proposals[2] (proposal mx.1): experimentSessions[0].end: the end is before the start',
      );
      expect(err).toContain('proposals[3] (proposal MX-3): the row: Unrecognized key: "titel"');
      expect(await readdir(dir)).toEqual(['bad.json']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses two proposals that would share a namespace, and a member listed twice', () => {
    expect(() => readProposals(jsonRows([good, { ...good, proposal: 'mx.1' }]))).toThrow(
      'proposals[1] (proposal mx.1): proposal: would share the namespace proposal-mx-1 with proposals[0] (proposal MX-1)',
    );
    expect(() => readProposals(jsonRows([{ ...good, members: [...good.members, ...good.members] }]))).toThrow(
      'members[1]: the user akowalska is listed twice',
    );
  });

  it('reads the CSV cells of members and experiment sessions', () => {
    const row = csvRecord({
      line: 2,
      fields: {
        members: 'a=scientist; b=viewer',
        experimentSessions: '2025-03-12=2025-03-12/2025-03-15;x=2025-01-01',
      },
    });
    expect(row).toEqual({
      where: 'line 2',
      value: {
        members: [
          { user: 'a', role: 'scientist' },
          { user: 'b', role: 'viewer' },
        ],
        experimentSessions: [
          { id: '2025-03-12', start: '2025-03-12', end: '2025-03-15' },
          { id: 'x', start: '2025-01-01', end: '2025-01-01' },
        ],
      },
    });
  });

  it('says how to call it', async () => {
    expect((await run([])).err).toContain('--from is required');
    expect((await run(['--from', 'x.txt'])).code).toBe(2);
    expect((await run(['--form', 'x.csv'])).err).toContain("Unknown option '--form'");
  });
});
