// The one way to start an operator in-process: its configuration from flags and variables (for the
// given controllers' fragments and the runtime's), the runtime, and every controller registered.
// main.ts, the test operator (testing/operator.ts) and the benchmarks all start through here.
import { runOperator, type RunOptions, type RunningOperator } from '../runtime/app.ts';
import { loadConfig, type ConfigOf } from './config.ts';
import { CONTROLLERS, type ControllerModule } from './controllers.ts';

export interface StartOptions<M extends readonly ControllerModule[]> extends Omit<RunOptions, 'register'> {
  /** Flags, as on the command line. */
  argv: readonly string[];
  /** Environment variables (default process.env); flags win. */
  env?: NodeJS.ProcessEnv;
  /** The controllers to run (default: all of CONTROLLERS). */
  controllers?: M;
}

export interface StartedOperator<M extends readonly ControllerModule[]> extends RunningOperator {
  config: ConfigOf<M>;
}

/** Loads the configuration (throws ConfigError on a bad value) and starts the operator. */
export async function startOperator<M extends readonly ControllerModule[] = typeof CONTROLLERS>(
  options: StartOptions<M>,
): Promise<StartedOperator<M>> {
  const { argv, env, controllers = CONTROLLERS as unknown as M, ...run } = options;
  const config = loadConfig(argv, env, controllers);
  const operator = await runOperator(config, {
    ...run,
    register: (ctx) => {
      for (const module of controllers) module.register(ctx, config);
    },
  });
  return { ...operator, config };
}
