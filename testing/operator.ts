// Runs the real operator in the test process against the test cluster, limited to the test's own
// namespaces so parallel test files never reconcile each other's sessions.
import { inject } from 'vitest';
import { pino } from 'pino';
import { sessionsModule, type ControllerModule } from '../operator/controllers.ts';
import { startOperator } from '../operator/start.ts';
import type { RunningOperator } from '../runtime/app.ts';

/**
 * The session controller (or `controllers`), on `namespaces`, without leader election or servers;
 * resolves once caches have synced. The images controller is left out by default: SessionImages are
 * cluster-scoped, and operators limited to different namespaces would count different sessions.
 */
export async function startTestOperator(
  namespaces: string[],
  flags: string[] = [],
  controllers: readonly ControllerModule[] = [sessionsModule],
): Promise<RunningOperator> {
  const operator = await startOperator({
    argv: [
      `--kubeconfig=${inject('kubeconfig')}`,
      `--namespaces=${namespaces.join(',')}`,
      '--leader-elect=false',
      '--metrics-bind-address=0',
      '--health-probe-bind-address=0',
      // Quotas are cluster-scoped: tests that enforce them pass --quotas=true (operator/quotas/).
      ...(flags.some((f) => f.startsWith('--quotas')) || !controllers.some((c) => 'quotas' in c.config.shape)
        ? []
        : ['--quotas=false']),
      ...flags,
    ],
    env: {},
    log: pino({ level: process.env.DAAS_TEST_LOG_LEVEL ?? 'warn' }),
    handleSignals: false,
    controllers,
  });
  await operator.manager.waitForCacheSync();
  return operator;
}

/** Sums the operator's write requests (everything but GET) from its rest_client_requests_total metric. */
export async function writeRequests(operator: RunningOperator): Promise<number> {
  const metric = await operator.metrics.restRequests.get();
  return metric.values.filter((v) => v.labels.method !== 'GET').reduce((sum, v) => sum + v.value, 0);
}
