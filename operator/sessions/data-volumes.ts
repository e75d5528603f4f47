// Proposal data as volumes. Where data lives on NFS is operator configuration (path templates); the
// user only picks experiment sessions and sub-paths, and each of those is re-validated here even
// though the CRD validates it too.
//
// Paths inside the session (`<mountRoot>` is config.data.mountRoot, exported as DAAS_DATA_DIR):
//   <mountRoot>/raw        the whole proposal (spec.data.wholeProposal), always read-only
//   <mountRoot>/<name>     each spec.data.mounts[] entry; read-only, except a mount that lies inside
//                          the processed area may be read-write when it asks for readOnly: false
//   <mountRoot>/processed  the proposal's processed area (config.data.processedPath), read-write
//   <mountRoot>/home       the owner's home (config.data.homePath), read-write; $HOME is left to the
//                          image (images keep their dotfiles and start scripts there)
// A mount named raw, processed or home is refused only when that area is actually mounted.
//
// Template placeholders: {proposal} (the namespace's proposal id), {beamline} and {dataRoot} (the
// namespace's annotations), {owner} (spec.owner), {proposalPath} (the expanded proposalPath, in the
// other templates) and {experimentSession} (experimentPath only).
//
// Volume source: the Pod Security "restricted" profile forbids inline `nfs` volumes, so by default
// each area is a pre-bound PersistentVolume (nfs) + PersistentVolumeClaim pair that the pod mounts
// by claim. config.data.volumeSource 'nfs' gives inline NFS volumes for baseline namespaces.
import { posix } from 'node:path';
import type {
  V1PersistentVolume,
  V1PersistentVolumeClaim,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
import { DATA_LABEL, PROPOSAL_LABEL, SESSION_NAMESPACE_LABEL } from '../../crds/index.ts';
import { boundedDnsName, labelValue, shortHash } from './names.ts';
import type { AnalysisSession } from '../../crds/index.ts';
import { refuse, type DataConfig, type ProposalNamespace, type Result } from './types.ts';

/** What the data builders read: the session's data request, its proposal namespace and the data config. */
export interface DataInput {
  session: { spec: Pick<AnalysisSession['spec'], 'proposal' | 'owner' | 'data'> };
  namespace: ProposalNamespace;
  config: { data: DataConfig };
}

export const RESERVED_MOUNT_NAMES = ['raw', 'processed', 'home'] as const;
/** PersistentVolumes need a capacity; NFS ignores it. Kept tiny so storage ResourceQuotas barely notice. */
export const NOMINAL_CAPACITY = '1Mi';

export interface DataVolumes {
  /** Pod volumes and the session container's mounts. */
  volumes: V1Volume[];
  mounts: V1VolumeMount[];
  /** With volumeSource persistentVolumeClaim: apply these before the pod. PersistentVolumes are
   *  cluster-scoped, so they cannot be owned by the session: delete them by label when it goes. */
  persistentVolumes: V1PersistentVolume[];
  claims: V1PersistentVolumeClaim[];
  /** Plain-words notes for the user, e.g. a read-write request that was mounted read-only. */
  notes: string[];
}

interface Area {
  volumeName: string;
  mountPath: string;
  nfsPath: string;
  readOnly: boolean;
  /**
   * The directory the area's shared claim is bound to (the proposal, the processed area, a home, an
   * experiment session); the area is `nfsPath` below it, mounted with a subPath.
   */
  claimRoot: string;
}

type Values = Record<string, string | undefined>;

const KNOWN_PLACEHOLDERS = ['proposal', 'beamline', 'dataRoot', 'owner', 'proposalPath', 'experimentSession'];

function hasUnsafeCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f || value[i] === '\\' || value[i] === '{' || value[i] === '}')
      return true;
  }
  return false;
}

/** A single path segment taken from user or namespace input: it must not move the path anywhere. */
function segmentProblem(value: string): string | undefined {
  if (value === '') return 'must not be empty';
  if (value === '.' || value === '..') return 'must not be . or ..';
  if (value.includes('/')) return 'must not contain /';
  if (hasUnsafeCharacter(value)) return 'must not contain control characters, backslashes, { or }';
  return undefined;
}

/** A relative path chosen by the user, joined below a root. */
function subPathProblem(value: string): string | undefined {
  if (value.startsWith('/')) return 'must be a relative path (it must not start with /)';
  if (hasUnsafeCharacter(value)) return 'must not contain control characters, backslashes, { or }';
  for (const segment of value.split('/')) {
    if (segment === '') return 'must not contain empty segments (// or a trailing /)';
    if (segment === '..') return 'must not contain a .. segment';
    if (segment === '.') return 'must not contain a . segment';
  }
  return undefined;
}

function isUnder(path: string, root: string): boolean {
  return path === root || path.startsWith(root === '/' ? '/' : `${root}/`);
}

function missingMessage(name: string, input: DataInput): string {
  const ns = input.namespace.name;
  switch (name) {
    case 'beamline':
      return `namespace ${ns} has no beamline annotation (daas.calipsoplus.eu/beamline)`;
    case 'dataRoot':
      return `namespace ${ns} has no data root annotation (daas.calipsoplus.eu/data-root)`;
    default:
      return `{${name}} is not available in this template`;
  }
}

/** Replaces placeholders in one pass (values are never re-expanded) and normalizes the result. */
function expand(template: string, configField: string, values: Values, input: DataInput): Result<string> {
  const field = `config.data.${configField}`;
  for (const match of template.matchAll(/\{([^{}]*)\}/g)) {
    const name = match[1] ?? '';
    if (!KNOWN_PLACEHOLDERS.includes(name))
      return refuse(
        'DataNotConfigured',
        field,
        `the data path template ${configField} uses an unknown placeholder {${name}}`,
      );
    if (values[name] === undefined)
      return refuse(
        'DataNotConfigured',
        field,
        `the data path template ${configField} needs {${name}}, but ${missingMessage(name, input)}`,
      );
  }
  const expanded = template.replace(/\{([^{}]*)\}/g, (_, name: string) => values[name] ?? '');
  if (expanded.includes('{') || expanded.includes('}'))
    return refuse('DataNotConfigured', field, `the data path template ${configField} has unbalanced braces`);
  const normalized = posix.normalize(expanded).replace(/(.)\/$/, '$1');
  if (!posix.isAbsolute(normalized))
    return refuse(
      'DataNotConfigured',
      field,
      `the data path template ${configField} must give an absolute path`,
    );
  return { ok: true, value: normalized };
}

/** Values every template may use, each validated as the single path segment it becomes. */
function baseValues(input: DataInput): Result<Values> {
  const { session, namespace } = input;
  if (session.spec.proposal !== namespace.proposal)
    return refuse(
      'ProposalMismatch',
      'spec.proposal',
      `proposal ${session.spec.proposal} does not match namespace ${namespace.name}'s proposal ${namespace.proposal}`,
    );
  const checks: [string, string | undefined, string][] = [
    ['spec.proposal', namespace.proposal, 'proposal'],
    ['spec.owner', session.spec.owner, 'owner'],
    [`namespace ${namespace.name} annotation daas.calipsoplus.eu/beamline`, namespace.beamline, 'beamline'],
  ];
  for (const [field, value, what] of checks) {
    const problem = value === undefined ? undefined : segmentProblem(value);
    if (problem) return refuse('InvalidDataPath', field, `${what} ${JSON.stringify(value)} ${problem}`);
  }
  const root = namespace.dataRoot;
  if (root !== undefined) {
    const field = `namespace ${namespace.name} annotation daas.calipsoplus.eu/data-root`;
    const relative = root.replace(/^\/+/, '');
    const problem = root.startsWith('/')
      ? relative === ''
        ? undefined
        : subPathProblem(relative)
      : 'must be absolute';
    if (problem) return refuse('InvalidDataPath', field, `data root ${JSON.stringify(root)} ${problem}`);
  }
  return {
    ok: true,
    value: {
      proposal: namespace.proposal,
      owner: session.spec.owner,
      beamline: namespace.beamline,
      dataRoot: root,
    },
  };
}

/** config.data.mountRoot normalized, without a trailing slash: DAAS_DATA_DIR. */
export function dataMountRoot(data: DataConfig): string {
  return posix.normalize(data.mountRoot).replace(/(.)\/+$/, '$1');
}

/** A refusal naming the value and the rule it breaks, when `problem` says it breaks one. */
function pathRefusal(field: string, what: string, value: string, problem: string | undefined) {
  return problem
    ? refuse('InvalidDataPath', field, `${what} ${JSON.stringify(value)} ${problem}`)
    : undefined;
}

function collectAreas(input: DataInput, notes: string[]): Result<Area[]> {
  const data = input.config.data;
  const mountRoot = dataMountRoot(data);
  if (!posix.isAbsolute(mountRoot) || mountRoot === '/')
    return refuse(
      'DataNotConfigured',
      'config.data.mountRoot',
      'the data mount root must be an absolute directory other than /',
    );
  if (!data.nfsServer)
    return refuse(
      'DataNotConfigured',
      'config.data.nfsServer',
      'no NFS server is configured for proposal data',
    );
  const base = baseValues(input);
  if (!base.ok) return base;
  const proposalRoot = expand(data.proposalPath, 'proposalPath', base.value, input);
  if (!proposalRoot.ok) return proposalRoot;
  const values: Values = { ...base.value, proposalPath: proposalRoot.value };
  const fixed = configuredAreas(input, mountRoot, proposalRoot.value, values);
  if (!fixed.ok) return fixed;
  const areas = [...fixed.value.areas];
  const ctx: MountContext = {
    input,
    mountRoot,
    proposalRoot: proposalRoot.value,
    processedRoot: fixed.value.processedRoot,
    values,
    taken: new Set(areas.map((a) => a.volumeName)),
    names: new Set<string>(),
    notes,
  };
  for (const [i, mount] of (input.session.spec.data?.mounts ?? []).entries()) {
    const area = mountArea(ctx, mount, `spec.data.mounts[${String(i)}]`);
    if (!area.ok) return area;
    areas.push(area.value);
  }
  return { ok: true, value: areas };
}

/** The areas every session gets from configuration: the whole proposal (if asked), processed, home. */
function configuredAreas(
  input: DataInput,
  mountRoot: string,
  proposalRoot: string,
  values: Values,
): Result<{ areas: Area[]; processedRoot: string | undefined }> {
  const data = input.config.data;
  const areas: Area[] = [];
  if (input.session.spec.data?.wholeProposal)
    areas.push({
      volumeName: 'raw',
      mountPath: `${mountRoot}/raw`,
      nfsPath: proposalRoot,
      readOnly: true,
      claimRoot: proposalRoot,
    });
  let processedRoot: string | undefined;
  if (data.processedPath !== undefined) {
    const processed = expand(data.processedPath, 'processedPath', values, input);
    if (!processed.ok) return processed;
    processedRoot = processed.value;
    areas.push({
      volumeName: 'processed',
      mountPath: `${mountRoot}/processed`,
      nfsPath: processedRoot,
      readOnly: false,
      claimRoot: processedRoot,
    });
  }
  if (data.homePath !== undefined) {
    const home = expand(data.homePath, 'homePath', values, input);
    if (!home.ok) return home;
    areas.push({
      volumeName: 'home',
      mountPath: `${mountRoot}/home`,
      nfsPath: home.value,
      readOnly: false,
      claimRoot: home.value,
    });
  }
  return { ok: true, value: { areas, processedRoot } };
}

interface MountContext {
  input: DataInput;
  mountRoot: string;
  proposalRoot: string;
  processedRoot: string | undefined;
  /** Template values with the proposal path expanded. */
  values: Values;
  /** Names of the areas from configuration (raw, processed, home). */
  taken: Set<string>;
  /** Names of the mounts seen so far. */
  names: Set<string>;
  notes: string[];
}

type Mount = NonNullable<NonNullable<DataInput['session']['spec']['data']>['mounts']>[number];

/** One spec.data.mounts[] entry as an area, re-validated: name, experiment session, sub-path, mode. */
function mountArea(ctx: MountContext, mount: Mount, at: string): Result<Area> {
  const { mountRoot, processedRoot } = ctx;
  const nameProblem =
    segmentProblem(mount.name) ??
    (/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(mount.name) ? undefined : 'must be a DNS label');
  const badName = pathRefusal(`${at}.name`, 'mount name', mount.name, nameProblem);
  if (badName) return badName;
  if (ctx.taken.has(mount.name))
    return refuse(
      'DataMountConflict',
      `${at}.name`,
      `the mount name ${mount.name} is taken by the ${mount.name === 'raw' ? 'whole proposal' : mount.name === 'processed' ? "proposal's processed area" : "owner's home"} at ${mountRoot}/${mount.name}; choose another name`,
    );
  if (ctx.names.has(mount.name))
    return refuse(
      'DataMountConflict',
      `${at}.name`,
      `two mounts are named ${mount.name}; names must be unique`,
    );
  ctx.names.add(mount.name);

  let root = ctx.proposalRoot;
  if (mount.experimentSession !== undefined) {
    const problem = segmentProblem(mount.experimentSession);
    const bad = pathRefusal(
      `${at}.experimentSession`,
      'experiment session',
      mount.experimentSession,
      problem,
    );
    if (bad) return bad;
    const values = { ...ctx.values, experimentSession: mount.experimentSession };
    const experiment = expand(ctx.input.config.data.experimentPath, 'experimentPath', values, ctx.input);
    if (!experiment.ok) return experiment;
    root = experiment.value;
  }
  let path = root;
  if (mount.subPath !== undefined) {
    const bad = pathRefusal(`${at}.subPath`, 'sub-path', mount.subPath, subPathProblem(mount.subPath));
    if (bad) return bad;
    path = posix.join(root, mount.subPath);
    if (!isUnder(path, root))
      return refuse(
        'InvalidDataPath',
        `${at}.subPath`,
        `sub-path ${JSON.stringify(mount.subPath)} leaves ${root}`,
      );
  }
  // Writable mounts lie inside the processed area and share its claim; read-only ones share the
  // claim of their experiment session (or of the whole proposal).
  const writableRoot =
    mount.readOnly === false && processedRoot !== undefined && isUnder(path, processedRoot)
      ? processedRoot
      : undefined;
  const writable = writableRoot !== undefined;
  if (mount.readOnly === false && !writable)
    ctx.notes.push(
      `mount ${mount.name} is read-only: raw data is always mounted read-only${processedRoot ? ` (write results to ${mountRoot}/processed)` : ''}`,
    );
  return {
    ok: true,
    value: {
      volumeName: boundedDnsName('mount-', mount.name),
      mountPath: `${mountRoot}/${mount.name}`,
      nfsPath: path,
      readOnly: !writable,
      claimRoot: writableRoot ?? root,
    },
  };
}

/** Cluster-unique PersistentVolume name: readable prefix plus a hash of namespace and claim. */
function persistentVolumeName(namespace: string, claim: string): string {
  const suffix = `-${shortHash(`${namespace}/${claim}`, 10)}`;
  return `daas-${namespace}-${claim}`.slice(0, 253 - suffix.length).replace(/[-.]+$/, '') + suffix;
}

/**
 * The proposal namespace's claim for one directory and mode: every session of the proposal that
 * mounts data below that directory shares it, so starting a session binds nothing new.
 */
export function dataClaimName(claimRoot: string, readOnly: boolean): string {
  return `daas-data-${readOnly ? 'ro' : 'rw'}-${shortHash(`${claimRoot}\0${String(readOnly)}`, 12)}`;
}

export function dataVolumes(input: DataInput): Result<DataVolumes> {
  const notes: string[] = [];
  const areas = collectAreas(input, notes);
  if (!areas.ok) return areas;
  const { config, namespace } = input;
  const labels = dataLabels(namespace.name, namespace.proposal);
  const result: DataVolumes = { volumes: [], mounts: [], persistentVolumes: [], claims: [], notes };
  for (const area of areas.value) {
    if (config.data.volumeSource === 'nfs') {
      const nfs = { server: config.data.nfsServer, path: area.nfsPath, readOnly: area.readOnly };
      result.mounts.push({ name: area.volumeName, mountPath: area.mountPath, readOnly: area.readOnly });
      result.volumes.push({ name: area.volumeName, nfs });
      continue;
    }
    const subPath = posix.relative(area.claimRoot, area.nfsPath);
    result.mounts.push({
      name: area.volumeName,
      mountPath: area.mountPath,
      readOnly: area.readOnly,
      ...(subPath ? { subPath } : {}),
    });
    const claimName = dataClaimName(area.claimRoot, area.readOnly);
    result.volumes.push({
      name: area.volumeName,
      persistentVolumeClaim: { claimName, readOnly: area.readOnly },
    });
    if (result.claims.some((c) => c.metadata?.name === claimName)) continue;
    const pvName = persistentVolumeName(namespace.name, claimName);
    const accessModes = [area.readOnly ? 'ReadOnlyMany' : 'ReadWriteMany'];
    result.persistentVolumes.push({
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: pvName, labels },
      spec: {
        capacity: { storage: NOMINAL_CAPACITY },
        accessModes,
        persistentVolumeReclaimPolicy: 'Retain',
        storageClassName: '',
        ...(config.data.mountOptions ? { mountOptions: [...config.data.mountOptions] } : {}),
        nfs: { server: config.data.nfsServer, path: area.claimRoot, readOnly: area.readOnly },
        // Pre-bound: only this claim in this namespace can ever bind it.
        claimRef: {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          namespace: namespace.name,
          name: claimName,
        },
      },
    });
    result.claims.push({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: claimName, namespace: namespace.name, labels },
      spec: {
        accessModes,
        storageClassName: '',
        volumeName: pvName,
        resources: { requests: { storage: NOMINAL_CAPACITY } },
      },
    });
  }
  return { ok: true, value: result };
}

/** Labels of a proposal's data volumes and claims: the operator watches them by DATA_LABEL. */
export function dataLabels(namespace: string, proposal: string): Record<string, string> {
  return {
    'app.kubernetes.io/managed-by': 'daas-operator',
    [DATA_LABEL]: 'proposal',
    [SESSION_NAMESPACE_LABEL]: namespace,
    [PROPOSAL_LABEL]: labelValue(proposal),
  };
}

/**
 * The claims every session of a proposal shares, made when its namespace appears (onboarding), so
 * that no session of the proposal waits for their binding: the whole proposal read-only and the
 * processed area read-write. Areas whose path depends on the session's owner ({owner}) are left to
 * the first session that needs them.
 */
export function proposalDataClaims(
  namespace: ProposalNamespace,
  data: DataConfig,
): Result<Pick<DataVolumes, 'persistentVolumes' | 'claims'>> {
  if (data.volumeSource === 'nfs' || data.proposalPath.includes('{owner}'))
    return { ok: true, value: { persistentVolumes: [], claims: [] } };
  const processedPath = data.processedPath?.includes('{owner}') ? undefined : data.processedPath;
  const built = dataVolumes({
    // No owner is read: the templates used here do not name one (checked above).
    session: { spec: { proposal: namespace.proposal, owner: 'onboarding', data: { wholeProposal: true } } },
    namespace,
    config: {
      data: {
        ...data,
        homePath: undefined,
        ...(processedPath === undefined ? { processedPath: undefined } : { processedPath }),
      },
    },
  });
  if (!built.ok) return built;
  return {
    ok: true,
    value: { persistentVolumes: built.value.persistentVolumes, claims: built.value.claims },
  };
}
