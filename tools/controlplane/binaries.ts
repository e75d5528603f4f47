// Finds the control plane's binaries and KubeVirt's generated CRDs, building them first (once,
// cached) through build.sh.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));

/** Returns the bin directory; builds on the first call of a fresh machine (minutes, not seconds). */
export async function ensureBinaries(): Promise<string> {
  const { stdout } = await promisify(execFile)('bash', [join(here, 'build.sh')], {
    maxBuffer: 64 * 1024 * 1024,
  });
  const lines = stdout.trim().split('\n');
  const bin = lines[lines.length - 1];
  if (!bin) throw new Error('build.sh printed no bin directory');
  return bin;
}

/** KubeVirt's CRDs that build.sh generated beside the binaries (for the version in versions.env). */
export async function kubevirtCrdsPath(binDir: string): Promise<string> {
  const versions = await readFile(join(here, 'versions.env'), 'utf8');
  const version = /^KUBEVIRT_VERSION=(\S+)$/m.exec(versions)?.[1];
  if (!version) throw new Error('tools/controlplane/versions.env names no KUBEVIRT_VERSION');
  return join(binDir, '..', `kubevirt-${version}`, 'crds.yaml');
}
