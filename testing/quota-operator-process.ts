// An operator in its own OS process for the quota tests (two of them reconciling at once, leader
// election off: a split brain): the session and quota controllers on one namespace, as
// testing/operator.ts runs them in-process. Prints "started" once its caches have synced.
// Usage: node testing/quota-operator-process.ts KUBECONFIG NAMESPACE
import { pino } from 'pino';
import { quotasModule, sessionsModule } from '../operator/controllers.ts';
import { startOperator } from '../operator/start.ts';

const [kubeconfig, namespace] = process.argv.slice(2);
if (!kubeconfig || !namespace) throw new Error('usage: KUBECONFIG NAMESPACE');
const operator = await startOperator({
  argv: [
    `--kubeconfig=${kubeconfig}`,
    `--namespaces=${namespace}`,
    '--leader-elect=false',
    '--metrics-bind-address=0',
    '--health-probe-bind-address=0',
    '--quotas=true',
  ],
  env: {},
  log: pino({ level: process.env.DAAS_TEST_LOG_LEVEL ?? 'warn' }, process.stderr),
  controllers: [sessionsModule, quotasModule],
});
await operator.manager.waitForCacheSync();
process.stdout.write('started\n');
process.exitCode = await operator.done;
