// The operator's configuration: the runtime's fragment and every controller's, merged into one
// schema from which flags, environment variables (DAAS_*) and --help are derived (runtime/config.ts).
// Every bad value is reported at once, naming the flag or variable it came from.
import type { z } from 'zod';
import {
  ConfigError,
  configUsage,
  mergeConfigSchemas,
  parseConfig,
  runtimeConfigSchema,
  type RuntimeConfig,
} from '../runtime/config.ts';
import { CONTROLLERS, type ControllerModule, type ControllersConfig } from './controllers.ts';

export { ConfigError };

/** The configuration of an operator running the given controllers (by default, all of them). */
export type ConfigOf<M extends readonly ControllerModule[]> = RuntimeConfig & ControllersConfig<M>;
export type Config = ConfigOf<typeof CONTROLLERS>;

/** One schema of the runtime's fragment and every controller's; throws if two declare the same key. */
export function configSchema(controllers: readonly ControllerModule[] = CONTROLLERS): z.ZodObject {
  return mergeConfigSchemas([
    { name: 'the runtime', schema: runtimeConfigSchema },
    ...controllers.map((m) => ({ name: `the ${m.name} controller`, schema: m.config })),
  ]);
}

/** Every flag with its description, default and environment variable. */
export function usage(controllers: readonly ControllerModule[] = CONTROLLERS): string {
  return configUsage(configSchema(controllers));
}

/** Reads flags, then environment variables, then defaults; throws ConfigError listing every problem. */
export function loadConfig<M extends readonly ControllerModule[] = typeof CONTROLLERS>(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  controllers: M = CONTROLLERS as unknown as M,
): ConfigOf<M> {
  return parseConfig(configSchema(controllers), argv, env) as ConfigOf<M>;
}
