// VM SessionImages for the integration tests: a Linux cloud-init guest over RDP with room to ask for
// more (max 8 cpu, 1 TiB memory, 40 GiB disk) unless the test says otherwise, named with the test's
// suffix and remembered so the test can delete them.
import type { CustomObjectsApi } from '@kubernetes/client-node';
import { GROUP, VERSION } from '../crds/index.ts';
import { sessionImageObject } from './objects.ts';

/** A Linux cloud-init VM image over RDP: `vm` over the Linux defaults, `extra` over the rest. */
export function linuxVmImageObject(
  name: string,
  vm: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
): ReturnType<typeof sessionImageObject> {
  return sessionImageObject(name, {
    runtime: 'vm',
    container: undefined,
    vm: { os: 'linux', bootstrap: 'cloudInit', ...vm },
    access: { protocol: 'rdp', port: 3389 },
    resources: {
      default: { cpu: 2, memory: '4Gi', disk: '20Gi' },
      max: { cpu: 8, memory: '1Ti', disk: '40Gi' },
    },
    ...extra,
  });
}

export class TestVmImages {
  /** The full names of the images created, for the test's cleanup. */
  readonly names: string[] = [];
  private readonly custom: CustomObjectsApi;
  private readonly suffix: string;

  constructor(custom: CustomObjectsApi, suffix: string) {
    this.custom = custom;
    this.suffix = suffix;
  }

  /** Creates `<name>-<suffix>` with `vm` over the Linux defaults and `extra` over the rest; returns its name. */
  async create(
    name: string,
    vm: Record<string, unknown>,
    extra: Record<string, unknown> = {},
  ): Promise<string> {
    const full = `${name}-${this.suffix}`;
    this.names.push(full);
    await this.custom.createClusterCustomObject({
      group: GROUP,
      version: VERSION,
      plural: 'sessionimages',
      body: linuxVmImageObject(full, vm, extra),
    });
    return full;
  }

  /** Deletes every image created (those already gone are skipped). */
  async deleteAll(): Promise<void> {
    for (const name of this.names)
      await this.custom
        .deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: 'sessionimages', name })
        .catch(() => undefined);
  }
}
