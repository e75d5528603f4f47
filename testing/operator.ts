// Runs the real operator in the test process against the test cluster, limited to the test's own
// namespaces so parallel test files never reconcile each other's sessions.
import { inject } from 'vitest';
import { pino } from 'pino';
import { loadConfig, sessionControllerConfig } from '../operator/config.ts';
import { runOperator, type RunningOperator } from '../runtime/app.ts';
import { registerSessionController } from '../operator/sessions/controller.ts';

export async function startTestOperator(
  namespaces: string[],
  flags: string[] = [],
): Promise<RunningOperator> {
  const config = loadConfig(
    [
      `--kubeconfig=${inject('kubeconfig')}`,
      `--namespaces=${namespaces.join(',')}`,
      '--leader-elect=false',
      '--metrics-bind-address=0',
      '--health-probe-bind-address=0',
      ...flags,
    ],
    {},
  );
  const log = pino({ level: process.env.DAAS_TEST_LOG_LEVEL ?? 'warn' });
  const operator = await runOperator(config, {
    log,
    handleSignals: false,
    register: (ctx) => {
      registerSessionController(ctx, sessionControllerConfig(config));
    },
  });
  await operator.manager.waitForCacheSync();
  return operator;
}

/** Sums the operator's write requests (everything but GET) from its rest_client_requests_total metric. */
export async function writeRequests(operator: RunningOperator): Promise<number> {
  const metric = await operator.metrics.restRequests.get();
  return metric.values.filter((v) => v.labels.method !== 'GET').reduce((sum, v) => sum + v.value, 0);
}
