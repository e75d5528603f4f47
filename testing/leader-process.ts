// A test operator process for leader-election tests: runs the real runtime (runOperator) with leader
// election and one controller over the ConfigMaps of a namespace, and reports on stdout as JSON lines:
// {"event":"started"}, {"event":"leading"}, {"event":"lost"}, {"event":"reconciled","name":...}, {"event":"exit"}.
// Usage: node testing/leader-process.ts KUBECONFIG NAMESPACE LEASE_NAME IDENTITY
import { runOperator } from '../runtime/app.ts';
import { loadRuntimeConfig } from '../runtime/config.ts';
import { createLogger } from '../runtime/logger.ts';
import { ConfigMaps } from '../runtime/resources.ts';

const [kubeconfig, namespace, lease, identity] = process.argv.slice(2);
if (!kubeconfig || !namespace || !lease || !identity)
  throw new Error('usage: KUBECONFIG NAMESPACE LEASE IDENTITY');
const report = (event: string, extra: Record<string, unknown> = {}) => {
  process.stdout.write(JSON.stringify({ event, identity, t: Date.now(), ...extra }) + '\n');
};

const config = loadRuntimeConfig([
  `--kubeconfig=${kubeconfig}`,
  `--namespaces=${namespace}`,
  '--leader-elect=true',
  `--leader-election-id=${lease}`,
  `--leader-election-namespace=${namespace}`,
  '--metrics-bind-address=0',
  '--health-probe-bind-address=0',
]);
const op = await runOperator(config, {
  identity,
  log: createLogger('warn', process.stderr),
  onLeading: () => {
    report('leading');
  },
  onLeadershipLost: () => {
    report('lost');
  },
  register: ({ manager }) => {
    manager.controller({
      name: 'leader-test',
      for: ConfigMaps,
      reconcile: (req) => {
        report('reconciled', { name: req.name });
        return Promise.resolve(undefined);
      },
    });
  },
});
await op.manager.waitForCacheSync();
report('started');
const code = await op.done;
report('exit', { code });
process.exit(code);
