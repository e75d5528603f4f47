// The session runner's flags (and variables): the cluster, where per-session files and process logs
// go, and the log level. Parsed by the runtime's config module, like the operator's and gateway's.
import { z } from 'zod';
import { parseConfig, runtimeConfigSchema } from '../../../runtime/config.ts';

const runtime = runtimeConfigSchema.shape;

export const runnerConfigSchema = z.object({
  kubeconfig: runtime.kubeconfig,
  namespaces: runtime.namespaces,
  logLevel: runtime.logLevel,
  workDir: z.string().min(1, 'must not be empty').meta({
    env: 'DAAS_RUNNER_WORK_DIR',
    description: "per-session files: notebooks' root directories, Jupyter's state, desktops' homes",
  }),
  logDir: z.string().min(1, 'must not be empty').meta({
    env: 'DAAS_RUNNER_LOG_DIR',
    description: 'one log file per session process (JupyterLab, Xtigervnc, the window manager, xterm)',
  }),
});

export type RunnerConfig = z.output<typeof runnerConfigSchema>;

export function loadRunnerConfig(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): RunnerConfig {
  return parseConfig(runnerConfigSchema, argv, env);
}
