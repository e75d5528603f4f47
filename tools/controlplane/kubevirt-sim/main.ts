// SIMULATION of KubeVirt's virt-controller as its own process, for `npm start` on the local control
// plane: node tools/controlplane/kubevirt-sim/main.ts --kubeconfig=PATH. Runs until SIGINT/SIGTERM.
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { loadClusterAccess } from '../../../runtime/kubeconfig.ts';
import { RestClient } from '../../../runtime/rest.ts';
import { startKubevirtSimulation } from './controller.ts';

const { values } = parseArgs({ options: { kubeconfig: { type: 'string' } } });
const log = pino({ level: process.env.LOG_LEVEL ?? 'info' });
const client = new RestClient(loadClusterAccess(values.kubeconfig));
const simulation = await startKubevirtSimulation({ client, log });
log.info('virt-controller simulation running');
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    void simulation.stop().then(() => {
      client.close();
      process.exit(0);
    });
  });
