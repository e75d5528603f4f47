// Installs CustomResourceDefinitions the way admins do (`kubectl apply --server-side -f crds/`) and
// returns once they can be used: Established, and their resources served. Shared by the launcher
// (`npm start`), tests and benchmarks. kubectl rather than client-node: the client's typed serializer
// drops `x-kubernetes-*` keys from plain CRD objects, and server-side apply takes objects too big for
// client-side apply's annotation.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { sleep } from '../../runtime/time.ts';

const repoRoot = resolve(import.meta.dirname, '..', '..');
/** The field manager of installed CRDs and policies; re-apply with it to change them without conflicts. */
export const INSTALL_FIELD_MANAGER = 'daas-install';

interface CrdDocument {
  kind?: string;
  metadata?: { name?: string };
  spec?: { group?: string; names?: { plural?: string }; versions?: { name: string; served?: boolean }[] };
}

/**
 * Applies every manifest in `dir` (a directory or one file; relative paths are from the repository
 * root) with server-side apply, waits until each CustomResourceDefinition in it is Established, then
 * until the API server serves its resources (discovery can lag Established by a moment). Idempotent:
 * parallel callers on one cluster are fine.
 */
export async function installCrds(kubeconfigPath: string, binDir: string, dir = 'crds/'): Promise<void> {
  const path = resolve(repoRoot, dir);
  const kubectl = async (...args: string[]) =>
    (
      await promisify(execFile)(join(binDir, 'kubectl'), ['--kubeconfig', kubeconfigPath, ...args], {
        maxBuffer: 16 * 1024 * 1024,
      })
    ).stdout;
  await kubectl(
    'apply',
    '--server-side',
    '--force-conflicts',
    `--field-manager=${INSTALL_FIELD_MANAGER}`,
    '-f',
    path,
  );
  // The optional policies (crds/optional/: the groups stamped on sessions) where the API server serves
  // their API: this control plane does, a cluster started by an older checkout may not.
  if (dir === 'crds/' && (await kubectl('api-versions')).includes('admissionregistration.k8s.io/v1beta1')) {
    await kubectl(
      'apply',
      '--server-side',
      '--force-conflicts',
      `--field-manager=${INSTALL_FIELD_MANAGER}`,
      '-f',
      resolve(repoRoot, 'crds/optional/'),
    );
    await untilPoliciesMutateSessions(kubectl);
  }
  const crds = await crdsIn(path);
  if (crds.length === 0) return;
  await kubectl(
    'wait',
    '--for=condition=Established',
    '--timeout=60s',
    ...crds.map((c) => `customresourcedefinition/${c.metadata?.name ?? ''}`),
  );
  const deadline = Date.now() + 30_000;
  for (const crd of crds) {
    const { group, names, versions = [] } = crd.spec ?? {};
    for (const version of versions.filter((v) => v.served !== false)) {
      const url = `/apis/${group ?? ''}/${version.name}/${names?.plural ?? ''}?limit=1`;
      for (;;) {
        const served = await kubectl('get', '--raw', url).then(
          () => true,
          (err: unknown) => {
            if (Date.now() > deadline) throw err;
            return false;
          },
        );
        if (served) break;
        await sleep(100);
      }
    }
  }
}

/**
 * Waits until the mutating admission policies can patch AnalysisSessions. Their dispatcher learns a
 * custom resource's schema from the API server's OpenAPI some seconds after the CRD is Established;
 * until then a create they match is refused with 503 "Resource kind … not found. There can be a
 * delay …". A server-side dry run by a user who owns the session (what the group-stamping policy
 * matches) tells: any answer but that 503 (the probe is refused later, by validation) means ready.
 */
async function untilPoliciesMutateSessions(kubectl: (...args: string[]) => Promise<string>): Promise<void> {
  const probe = 'daas-install-probe';
  const dir = await mkdtemp(join(tmpdir(), 'daas-crds-'));
  const file = join(dir, 'probe.json');
  await writeFile(
    file,
    JSON.stringify({
      apiVersion: 'daas.calipsoplus.eu/v1alpha1',
      kind: 'AnalysisSession',
      metadata: { name: probe, namespace: 'default' },
      spec: { owner: probe, image: probe, proposal: probe },
    }),
  );
  const deadline = Date.now() + 60_000;
  try {
    for (;;) {
      const args = ['create', '--dry-run=server', `--as=${probe}`, '--as-group=system:masters', '-f', file];
      const refusal = await kubectl(...args).then(
        () => '',
        (err: unknown) => String((err as { stderr?: unknown }).stderr ?? err),
      );
      if (!refusal.includes('There can be a delay')) return;
      if (Date.now() > deadline)
        throw new Error(`admission policies still cannot patch sessions: ${refusal}`);
      await sleep(250);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The CustomResourceDefinitions among the manifests of a directory (not its subdirectories) or file. */
async function crdsIn(path: string): Promise<CrdDocument[]> {
  const files = (await stat(path)).isDirectory()
    ? (await readdir(path)).filter((f) => /\.(ya?ml|json)$/.test(f)).map((f) => join(path, f))
    : [path];
  const crds: CrdDocument[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(await readFile(file, 'utf8'))) {
      const obj = doc.toJSON() as CrdDocument | null;
      if (obj?.kind === 'CustomResourceDefinition' && obj.metadata?.name) crds.push(obj);
    }
  }
  return crds;
}
