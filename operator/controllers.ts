// The one registry of the operator's controllers. Each module brings its fragment of the
// configuration (merged into the operator's in config.ts: flags, variables and help come from it)
// and registers its controller with the manager. main.ts, the test operator and the benchmarks all
// start the operator from this list (start.ts).
import { z } from 'zod';
import type { OperatorContext } from '../runtime/app.ts';
import {
  dataConfig,
  dataConfigSchema,
  sessionConfigSchema,
  sessionControllerConfig,
} from './sessions/config.ts';
import { registerSessionController } from './sessions/controller.ts';
import { directAccess } from './sessions/access/direct.ts';
import { gatewayAccess } from './sessions/access/gateway.ts';
import { probeGatewayActivity } from './sessions/activity/connections.ts';
import { DEFAULT_PROBES, type Probe } from './sessions/steps/activity.ts';
import { registerImageController } from './images/controller.ts';
import { workloadRuntimes } from './sessions/workloads/registry.ts';
import { containerRuntime } from './sessions/workloads/container/runtime.ts';
import { vmRuntime } from './sessions/workloads/vm/runtime.ts';
import { registerProposalDataController } from './proposals/controller.ts';

export interface ControllerModule<S extends z.ZodObject = z.ZodObject> {
  /** Names the module in errors (for instance two fragments declaring the same key). */
  readonly name: string;
  /** Its fragment of the operator's configuration. */
  readonly config: S;
  /** Adds its controller (and the caches it reads) to the manager; called once, before anything starts. */
  register(ctx: OperatorContext, config: z.output<S>, options?: { workers?: number }): void;
}

/** A controller with no settings of its own. */
const noConfig = z.object({});

export const sessionsModule: ControllerModule<typeof sessionConfigSchema> = {
  name: 'sessions',
  config: sessionConfigSchema,
  register(ctx, config, options) {
    const { gatewayUrl, gatewayTokenFile } = config;
    // Virtual machines only where KubeVirt is installed: the controller waits for every watch to sync.
    const vms = config.virtualMachines
      ? { runtimes: workloadRuntimes(containerRuntime, vmRuntime({ bootTimeoutMs: config.vmBootTimeout })) }
      : {};
    const gateway = gatewayUrl
      ? {
          access: [gatewayAccess(gatewayUrl), directAccess],
          probes: {
            ...DEFAULT_PROBES,
            connections: ((_endpoint, _credentials, session) =>
              probeGatewayActivity(gatewayUrl, session.key, gatewayTokenFile)) satisfies Probe,
          },
        }
      : {};
    const seams = { ...vms, ...gateway };
    registerSessionController(ctx, sessionControllerConfig(config), {
      ...options,
      ...(Object.keys(seams).length > 0 ? { seams } : {}),
    });
  },
};

export const imagesModule: ControllerModule<typeof noConfig> = {
  name: 'images',
  config: noConfig,
  register(ctx, _config, options) {
    registerImageController(ctx, options);
  },
};

export const proposalDataModule: ControllerModule<typeof dataConfigSchema> = {
  name: 'proposal-data',
  config: dataConfigSchema,
  register(ctx, config, options) {
    registerProposalDataController(ctx, dataConfig(config), options);
  },
};

export const CONTROLLERS = [sessionsModule, imagesModule, proposalDataModule] as const;

type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void
  ? I
  : never;

/** The configuration the given modules read, all fragments together. */
export type ControllersConfig<M extends readonly ControllerModule[]> = UnionToIntersection<
  z.output<M[number]['config']>
>;
