// The one registry of the operator's controllers. Each module brings its fragment of the
// configuration (merged into the operator's in config.ts: flags, variables and help come from it)
// and registers its controller with the manager. main.ts, the test operator and the benchmarks all
// start the operator from this list (start.ts).
import { z } from 'zod';
import type { OperatorContext } from '../runtime/app.ts';
import {
  dataConfig,
  dataConfigSchema,
  poolsConfigSchema,
  sessionConfigSchema,
  sessionControllerConfig,
} from './sessions/config.ts';
import { registerSessionController } from './sessions/controller.ts';
import { directAccess } from './sessions/access/direct.ts';
import { gatewayAccess } from './sessions/access/gateway.ts';
import { guacamoleProvider } from './sessions/access/guacamole/index.ts';
import { probeGatewayActivity } from './sessions/activity/connections.ts';
import { DEFAULT_PROBES, type Probe } from './sessions/steps/activity.ts';
import { registerImageController } from './images/controller.ts';
import { workloadRuntimes } from './sessions/workloads/registry.ts';
import { containerRuntime } from './sessions/workloads/container/runtime.ts';
import { vmRuntime } from './sessions/workloads/vm/runtime.ts';
import { registerProposalDataController } from './proposals/controller.ts';
import { proposalAccessConfigSchema, registerProposalAccessController } from './proposals/access.ts';
import { quotaConfigSchema } from './quotas/config.ts';
import { registerQuotaController } from './quotas/controller.ts';
import { poolCaches } from './pools/caches.ts';
import { registerPoolController } from './pools/controller.ts';
import { claimingVmRuntime, WarmPoolClaims } from './sessions/workloads/vm/claim.ts';

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
    // Guacamole first: it serves rdp and ssh, and the vnc images that ask for it before the gateway.
    const guacamole = guacamoleProvider(config, ctx.client, ctx.log);
    const access = [...(guacamole ? [guacamole] : []), ...(gatewayUrl ? [gatewayAccess(gatewayUrl)] : [])];
    // The `connections` signal: Guacamole's active connections for a session opened through it,
    // else the gateway's record of user input.
    const connections: Probe = (endpoint, _credentials, session) => {
      const id = endpoint.guacamoleConnectionId;
      if (guacamole && id !== undefined) return guacamole.activity(id);
      if (gatewayUrl) return probeGatewayActivity(gatewayUrl, session.key, gatewayTokenFile);
      return Promise.resolve({ ok: false, error: 'no gateway (--gateway-url) to read activity from' });
    };
    const probes = gatewayUrl || guacamole ? { ...DEFAULT_PROBES, connections } : undefined;
    // Virtual machines only where KubeVirt is installed: the controller waits for every watch to sync.
    // A VM session claims a booted VM of its image's warm pool when one is ready (ADR 0024).
    const pool = config.virtualMachines
      ? new WarmPoolClaims(ctx.client, poolCaches(ctx.manager, config.warmPoolNamespace), ctx.log)
      : undefined;
    const bootTimeoutMs = config.vmBootTimeout;
    const runtimes = pool
      ? workloadRuntimes(
          containerRuntime,
          claimingVmRuntime(vmRuntime({ bootTimeoutMs }), pool, { bootTimeoutMs }),
        )
      : undefined;
    const seams = {
      ...(access.length ? { access: [...access, directAccess] } : {}),
      ...(probes ? { probes } : {}),
      ...(runtimes ? { runtimes } : {}),
    };
    registerSessionController(ctx, sessionControllerConfig(config), {
      ...options,
      enforceQuotas: config.quotas,
      ...(pool ? { pool } : {}),
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

export const proposalAccessModule: ControllerModule<typeof proposalAccessConfigSchema> = {
  name: 'proposal-access',
  config: proposalAccessConfigSchema,
  register(ctx, config, options) {
    registerProposalAccessController(ctx, config, options);
  },
};

export const quotasModule: ControllerModule<typeof quotaConfigSchema> = {
  name: 'quotas',
  config: quotaConfigSchema,
  register(ctx, config, options) {
    if (config.quotas) registerQuotaController(ctx, options);
  },
};

/** The warm pools of VM images; only where KubeVirt is installed (--virtual-machines). */
export const poolsModule: ControllerModule<typeof poolsConfigSchema> = {
  name: 'warm pools',
  config: poolsConfigSchema,
  register(ctx, config, options) {
    if (config.virtualMachines)
      registerPoolController(ctx, { config, sessions: sessionControllerConfig(config) }, options);
  },
};

export const CONTROLLERS = [
  sessionsModule,
  imagesModule,
  proposalDataModule,
  proposalAccessModule,
  quotasModule,
  poolsModule,
] as const;

type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void
  ? I
  : never;

/** The configuration the given modules read, all fragments together. */
export type ControllersConfig<M extends readonly ControllerModule[]> = UnionToIntersection<
  z.output<M[number]['config']>
>;
