// The zod schemas as runtime validators (what the operator and dashboard use): the examples pass,
// defaults are filled in, and the same format rules as the API server's CEL rules are enforced.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, test } from 'vitest';
import {
  analysisSession,
  quota,
  sessionImage,
  sessionSpec,
  sessionImageSpec,
  type AnalysisSession,
} from './index.ts';

const examplesDir = join(import.meta.dirname, '../examples');

async function exampleObjects(): Promise<Record<string, unknown>[]> {
  const names = (await readdir(examplesDir)).filter((name) => name.endsWith('.yaml'));
  const objects: Record<string, unknown>[] = [];
  for (const name of names) {
    const text = await readFile(join(examplesDir, name), 'utf8');
    for (const doc of parseAllDocuments(text)) objects.push(doc.toJS() as Record<string, unknown>);
  }
  return objects;
}

const validators = { AnalysisSession: analysisSession, SessionImage: sessionImage, Quota: quota } as const;

const baseSession = { image: 'jupyter-scipy', owner: 'akowalska', proposal: 'MX-2451' };

describe('the examples', () => {
  test('cover every image with a session and pass the validators', async () => {
    const objects = await exampleObjects();
    const custom = objects.filter((o) => String(o.kind) in validators);
    for (const object of custom) {
      const validator = validators[object.kind as keyof typeof validators];
      expect(validator.safeParse(object).error).toBeUndefined();
    }
    const images = custom.filter((o) => o.kind === 'SessionImage').map((o) => sessionImage.parse(o));
    const sessions = custom.filter((o) => o.kind === 'AnalysisSession').map((o) => analysisSession.parse(o));
    expect(images).toHaveLength(6);
    expect(new Set(sessions.map((s) => s.spec.image))).toEqual(new Set(images.map((i) => i.metadata.name)));
    expect(images.some((i) => (i.spec.resources?.max?.gpus ?? 0) > 0)).toBe(true);
  });

  test('include the CALIPSOplus default quota: 5 sessions, 30Gi memory, 80Gi disk per user', async () => {
    const quotas = (await exampleObjects()).filter((o) => o.kind === 'Quota').map((o) => quota.parse(o));
    const perUser = quotas.find((q) => q.spec.subject.kind === 'EachUser');
    expect(perUser?.spec.limits).toMatchObject({ sessions: 5, memory: '30Gi', disk: '80Gi' });
    expect(quotas.map((q) => q.spec.subject.kind).sort()).toEqual(['EachUser', 'Group', 'Proposal', 'User']);
  });
});

describe('runtime validation', () => {
  test('fills in defaults the same way the API server does', () => {
    const spec = sessionSpec.parse({ ...baseSession, data: { mounts: [{ name: 'scans', subPath: 'raw' }] } });
    expect(spec.state).toBe('Running');
    // Not defaulted inside list items (see dataMount): unset means read-only.
    expect(spec.data?.mounts?.[0]?.readOnly).toBeUndefined();
    expect(spec.data?.wholeProposal).toBe(false);
  });

  test.each([
    ['a sub-path with ..', { data: { mounts: [{ name: 'scans', subPath: 'raw/../../etc' }] } }, 'subPath'],
    ['an absolute sub-path', { data: { mounts: [{ name: 'scans', subPath: '/etc' }] } }, 'subPath'],
    [
      'an experiment session with ..',
      { data: { mounts: [{ name: 'scans', experimentSession: '..' }] } },
      'experimentSession',
    ],
    ['a reserved mount name', { data: { mounts: [{ name: 'home', subPath: 'x' }] } }, 'name'],
    ['a lifetime in days', { lifetime: '7d' }, 'lifetime'],
    ['an owner with a space', { owner: 'john doe' }, 'owner'],
    ['a malformed quantity', { resources: { memory: '10GB' } }, 'memory'],
    ['too many GPUs', { resources: { gpus: 17 } }, 'gpus'],
    ['an unknown state', { state: 'Paused' }, 'state'],
  ])('refuses %s, naming the field', (_what, change, field) => {
    const result = sessionSpec.safeParse({ ...baseSession, ...change });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join('.')).join(' ')).toContain(field);
  });

  test('accepts an object as the API server returns it, with status, and types it', () => {
    const object: AnalysisSession = analysisSession.parse({
      apiVersion: 'daas.calipsoplus.eu/v1alpha1',
      kind: 'AnalysisSession',
      metadata: { name: 'quick-look', namespace: 'proposal-mx-2451', uid: 'u', generation: 2 },
      spec: baseSession,
      status: {
        phase: 'Running',
        machineName: 'zealous-hermann',
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            observedGeneration: 2,
            lastTransitionTime: '2025-03-12T10:00:00Z',
            reason: 'Ready',
            message: 'JupyterLab is up',
          },
        ],
      },
    });
    expect(object.status?.conditions?.[0]?.observedGeneration).toBe(2);
  });

  test('image validation checks the runtime-specific shape of fields', () => {
    const result = sessionImageSpec.safeParse({
      displayName: 'x',
      runtime: 'container',
      container: { image: 'has space' },
      access: { protocol: 'http', port: 8888 },
      lifecycle: { defaultLifetime: '8h', maxLifetime: '72h' },
    });
    expect(result.error?.issues[0]?.path).toEqual(['container', 'image']);
  });
});
