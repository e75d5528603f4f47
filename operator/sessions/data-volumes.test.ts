import { posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AnalysisSession } from '../../crds/index.ts';
import { dataClaimName, dataVolumes, type DataVolumes } from './data-volumes.ts';
import { buildInput, config, proposalNamespace, session } from './fixtures.ts';
import type { BuildInput, DataConfig } from './types.ts';

type Mount = NonNullable<NonNullable<AnalysisSession['spec']['data']>['mounts']>[number];

function withData(
  data: { wholeProposal?: boolean; mounts?: Partial<Mount>[] },
  dataConfig: Partial<DataConfig> = {},
) {
  // Bypasses the CRD schema on purpose: the builder must not rely on it.
  const s = session();
  s.spec.data = {
    wholeProposal: data.wholeProposal ?? false,
    mounts: (data.mounts ?? []).map((m) => ({ name: 'm', readOnly: true, ...m })),
  };
  const input: BuildInput = buildInput({
    session: s,
    config: { ...config, data: { ...config.data, ...dataConfig } },
  });
  return dataVolumes(input);
}

function ok(result: ReturnType<typeof dataVolumes>): DataVolumes {
  if (!result.ok) throw new Error(`${result.error.field}: ${result.error.message}`);
  return result.value;
}

/**
 * mountPath → [NFS path, readOnly], whichever volume source is used: the volume's (or its bound
 * PersistentVolume's) NFS path, joined with the mount's subPath, as the kubelet mounts it.
 */
function layout(value: DataVolumes): Record<string, [string, boolean]> {
  const out: Record<string, [string, boolean]> = {};
  for (const m of value.mounts) {
    const volume = value.volumes.find((v) => v.name === m.name);
    const claim = value.claims.find((c) => c.metadata?.name === volume?.persistentVolumeClaim?.claimName);
    const pv = value.persistentVolumes.find((p) => p.metadata?.name === claim?.spec?.volumeName);
    const nfs = volume?.nfs ?? pv?.spec?.nfs;
    const readOnly =
      m.readOnly === true && (volume?.persistentVolumeClaim?.readOnly ?? nfs?.readOnly) === true;
    out[m.mountPath] = [nfs ? posix.join(nfs.path, m.subPath ?? '') : '?', readOnly];
  }
  return out;
}

describe('dataVolumes: documented layout', () => {
  it('mounts each area at its documented path', () => {
    const value = ok(
      withData({
        wholeProposal: true,
        mounts: [{ name: 'beamtime-march', experimentSession: '2025-03-12', subPath: 'raw/sample_A' }],
      }),
    );
    expect(layout(value)).toEqual({
      '/data/raw': ['/data/id16a/MX-2451', true],
      '/data/processed': ['/processed/MX-2451', false],
      '/data/home': ['/home/akowalska', false],
      '/data/beamtime-march': ['/data/id16a/MX-2451/2025-03-12/raw/sample_A', true],
    });
    expect(value.notes).toEqual([]);
  });

  it('mounts only what is configured and asked for', () => {
    const value = ok(
      withData(
        { mounts: [{ name: 'scans', subPath: 'scans' }] },
        { processedPath: undefined, homePath: undefined },
      ),
    );
    expect(layout(value)).toEqual({ '/data/scans': ['/data/id16a/MX-2451/scans', true] });
  });

  it('uses the namespace data root and a normalized mount root', () => {
    const value = ok(
      withData(
        { wholeProposal: true },
        {
          proposalPath: '{dataRoot}/',
          processedPath: undefined,
          homePath: undefined,
          mountRoot: '/mnt/data/',
        },
      ),
    );
    expect(layout(value)).toEqual({ '/mnt/data/raw': ['/data/visitor/mx2451/id16a', true] });
  });

  it('binds each area through a claim of the proposal namespace, pre-bound to a PersistentVolume (allowed by "restricted")', () => {
    const value = ok(
      withData(
        { wholeProposal: true },
        { processedPath: undefined, homePath: undefined, mountOptions: ['nfsvers=4.1'] },
      ),
    );
    const claimName = dataClaimName('/data/id16a/MX-2451', true);
    expect(claimName).toMatch(/^daas-data-ro-[0-9a-f]{12}$/);
    expect(value.volumes).toEqual([{ name: 'raw', persistentVolumeClaim: { claimName, readOnly: true } }]);
    const [pv] = value.persistentVolumes;
    const [claim] = value.claims;
    expect(pv?.spec).toEqual({
      capacity: { storage: '1Mi' },
      accessModes: ['ReadOnlyMany'],
      persistentVolumeReclaimPolicy: 'Retain',
      storageClassName: '',
      mountOptions: ['nfsvers=4.1'],
      nfs: { server: 'nfs.facility.example', path: '/data/id16a/MX-2451', readOnly: true },
      claimRef: {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        namespace: 'proposal-mx-2451',
        name: claimName,
      },
    });
    // Shared by the proposal's sessions: labelled for the namespace and the data, not for a session.
    expect(pv?.metadata?.labels).toEqual({
      'app.kubernetes.io/managed-by': 'daas-operator',
      'daas.calipsoplus.eu/data': 'proposal',
      'daas.calipsoplus.eu/session-namespace': 'proposal-mx-2451',
      'daas.calipsoplus.eu/proposal': 'MX-2451',
    });
    expect(pv?.metadata?.name).toMatch(/^daas-proposal-mx-2451-daas-data-ro-[0-9a-f]{12}-[0-9a-f]{10}$/);
    expect(claim?.metadata).toMatchObject({ name: claimName, namespace: 'proposal-mx-2451' });
    expect(claim?.metadata?.labels).toEqual(pv?.metadata?.labels);
    expect(claim?.spec).toMatchObject({
      volumeName: pv?.metadata?.name,
      storageClassName: '',
      accessModes: ['ReadOnlyMany'],
    });
  });

  it('shares one claim per directory and mode between areas and sessions, mounting each part with a subPath', () => {
    const a = ok(
      withData({
        wholeProposal: true,
        mounts: [
          { name: 'march', experimentSession: '2025-03-12', subPath: 'raw/sample_A' },
          { name: 'april', experimentSession: '2025-04-02' },
          { name: 'results', subPath: 'x', readOnly: false },
        ],
      }),
    );
    // raw, processed and home, plus one claim per experiment session.
    expect(a.claims.map((c) => c.metadata?.name)).toEqual([
      dataClaimName('/data/id16a/MX-2451', true),
      dataClaimName('/processed/MX-2451', false),
      dataClaimName('/home/akowalska', false),
      dataClaimName('/data/id16a/MX-2451/2025-03-12', true),
      dataClaimName('/data/id16a/MX-2451/2025-04-02', true),
    ]);
    expect(a.mounts.find((m) => m.mountPath === '/data/march')).toMatchObject({
      readOnly: true,
      subPath: 'raw/sample_A',
    });
    expect(a.mounts.find((m) => m.mountPath === '/data/april')).not.toHaveProperty('subPath');
    // Another session of the same proposal needs the same claims: starting it binds nothing new.
    const other = buildInput({ session: session('second-look') });
    other.session.spec.data = { wholeProposal: true };
    const b = ok(dataVolumes(other));
    expect(b.claims.map((c) => c.metadata?.name)).toEqual(a.claims.slice(0, 3).map((c) => c.metadata?.name));
  });

  it('gives PersistentVolumes of equal sessions in different namespaces different names', () => {
    const a = ok(withData({ wholeProposal: true }));
    const other = buildInput({ namespace: { ...proposalNamespace, name: 'proposal-other' } });
    other.session.spec.data = { wholeProposal: true };
    const b = ok(dataVolumes(other));
    expect(a.persistentVolumes[0]?.metadata?.name).not.toBe(b.persistentVolumes[0]?.metadata?.name);
  });

  it('builds inline NFS volumes when configured so', () => {
    const value = ok(
      withData(
        { wholeProposal: true },
        { volumeSource: 'nfs', processedPath: undefined, homePath: undefined },
      ),
    );
    expect(value.volumes).toEqual([
      { name: 'raw', nfs: { server: 'nfs.facility.example', path: '/data/id16a/MX-2451', readOnly: true } },
    ]);
    expect(value.persistentVolumes).toEqual([]);
    expect(value.claims).toEqual([]);
  });
});

describe('dataVolumes: read-only raw data', () => {
  it('mounts raw data read-only even when asked otherwise, and says so', () => {
    const value = ok(
      withData({ mounts: [{ name: 'scan', experimentSession: '2025-03-12', readOnly: false }] }),
    );
    expect(layout(value)['/data/scan']).toEqual(['/data/id16a/MX-2451/2025-03-12', true]);
    expect(value.notes).toEqual([
      'mount scan is read-only: raw data is always mounted read-only (write results to /data/processed)',
    ]);
  });

  it('lets a mount inside the processed area be read-write', () => {
    const value = ok(
      withData(
        {
          mounts: [
            { name: 'out', subPath: 'processed/ptycho', readOnly: false },
            { name: 'in', subPath: 'processed/x' },
          ],
        },
        { processedPath: '{proposalPath}/processed' },
      ),
    );
    expect(layout(value)['/data/out']).toEqual(['/data/id16a/MX-2451/processed/ptycho', false]);
    expect(layout(value)['/data/in']).toEqual(['/data/id16a/MX-2451/processed/x', true]);
    expect(value.notes).toEqual([]);
  });

  it('does not mistake a sibling with a common prefix for the processed area', () => {
    const value = ok(
      withData(
        { mounts: [{ name: 'p', subPath: 'processed-not', readOnly: false }] },
        { processedPath: '{proposalPath}/processed' },
      ),
    );
    expect(layout(value)['/data/p']).toEqual(['/data/id16a/MX-2451/processed-not', true]);
  });
});

describe('dataVolumes: refusals', () => {
  const invalid: [string, Partial<Mount>, string, string][] = [
    [
      'a sub-path climbing into another proposal',
      { subPath: '../../other-proposal' },
      'spec.data.mounts[1].subPath',
      'sub-path "../../other-proposal" must not contain a .. segment',
    ],
    [
      'a .. hidden in the middle',
      { experimentSession: 's1', subPath: 'a/../../b' },
      'spec.data.mounts[1].subPath',
      'sub-path "a/../../b" must not contain a .. segment',
    ],
    [
      'an absolute sub-path',
      { subPath: '/etc' },
      'spec.data.mounts[1].subPath',
      'sub-path "/etc" must be a relative path (it must not start with /)',
    ],
    [
      'an empty segment',
      { subPath: 'a//b' },
      'spec.data.mounts[1].subPath',
      'sub-path "a//b" must not contain empty segments (// or a trailing /)',
    ],
    [
      'a . segment',
      { subPath: './a' },
      'spec.data.mounts[1].subPath',
      'sub-path "./a" must not contain a . segment',
    ],
    [
      'a control character',
      { subPath: 'a\nb' },
      'spec.data.mounts[1].subPath',
      'sub-path "a\\nb" must not contain control characters, backslashes, { or }',
    ],
    [
      'a backslash',
      { subPath: 'a\\..\\b' },
      'spec.data.mounts[1].subPath',
      'sub-path "a\\\\..\\\\b" must not contain control characters, backslashes, { or }',
    ],
    [
      'an experiment session of ..',
      { experimentSession: '..' },
      'spec.data.mounts[1].experimentSession',
      'experiment session ".." must not be . or ..',
    ],
    [
      'an experiment session with a slash',
      { experimentSession: '2025/../../x' },
      'spec.data.mounts[1].experimentSession',
      'experiment session "2025/../../x" must not contain /',
    ],
    [
      'a template in an experiment session',
      { experimentSession: '{proposal}' },
      'spec.data.mounts[1].experimentSession',
      'experiment session "{proposal}" must not contain control characters, backslashes, { or }',
    ],
    [
      'an empty experiment session',
      { experimentSession: '' },
      'spec.data.mounts[1].experimentSession',
      'experiment session "" must not be empty',
    ],
  ];

  it.each(invalid)('refuses %s, naming the field', (_what, mount, field, message) => {
    const result = withData({
      mounts: [
        { name: 'fine', subPath: 'ok' },
        { name: 'bad', ...mount },
      ],
    });
    expect(result).toEqual({ ok: false, error: { reason: 'InvalidDataPath', field, message } });
  });

  it.each([
    ['..', 'owner ".." must not be . or ..'],
    ['a/b', 'owner "a/b" must not contain /'],
    ['{proposal}', 'owner "{proposal}" must not contain control characters, backslashes, { or }'],
  ])('refuses an owner of %j for paths', (owner, message) => {
    const s = session();
    s.spec.owner = owner;
    expect(dataVolumes(buildInput({ session: s }))).toEqual({
      ok: false,
      error: { reason: 'InvalidDataPath', field: 'spec.owner', message },
    });
  });

  it('refuses a mount name that hides an area, only when that area is mounted', () => {
    expect(withData({ mounts: [{ name: 'processed', subPath: 'x' }] })).toEqual({
      ok: false,
      error: {
        reason: 'DataMountConflict',
        field: 'spec.data.mounts[0].name',
        message:
          "the mount name processed is taken by the proposal's processed area at /data/processed; choose another name",
      },
    });
    expect(withData({ wholeProposal: true, mounts: [{ name: 'raw', subPath: 'x' }] }).ok).toBe(false);
    expect(withData({ mounts: [{ name: 'raw', subPath: 'x' }] }).ok).toBe(true);
    expect(
      withData({
        mounts: [
          { name: 'a', subPath: 'x' },
          { name: 'a', subPath: 'y' },
        ],
      }).ok,
    ).toBe(false);
  });

  it('says which namespace annotation a template needs', () => {
    const input = buildInput({ namespace: { name: 'proposal-x', proposal: 'MX-2451' } });
    expect(dataVolumes(input)).toEqual({
      ok: false,
      error: {
        reason: 'DataNotConfigured',
        field: 'config.data.proposalPath',
        message:
          'the data path template proposalPath needs {beamline}, but namespace proposal-x has no beamline annotation (daas.calipsoplus.eu/beamline)',
      },
    });
  });

  it.each([
    [
      { proposalPath: '/data/{facility}/{proposal}' },
      'config.data.proposalPath',
      'the data path template proposalPath uses an unknown placeholder {facility}',
    ],
    [
      { processedPath: '/p/{experimentSession}' },
      'config.data.processedPath',
      'the data path template processedPath needs {experimentSession}, but {experimentSession} is not available in this template',
    ],
    [
      { proposalPath: 'data/{proposal}' },
      'config.data.proposalPath',
      'the data path template proposalPath must give an absolute path',
    ],
    [
      { mountRoot: '/' },
      'config.data.mountRoot',
      'the data mount root must be an absolute directory other than /',
    ],
  ] as const)('refuses configuration %j', (dataConfig, field, message) => {
    expect(withData({ wholeProposal: true }, dataConfig)).toEqual({
      ok: false,
      error: { reason: 'DataNotConfigured', field, message },
    });
  });

  it('refuses a session whose proposal is not the namespace proposal', () => {
    const s = session();
    s.spec.proposal = 'OTHER-1';
    const result = dataVolumes(buildInput({ session: s }));
    expect(result.ok || result.error.reason).toBe('ProposalMismatch');
  });
});
