// SIMULATION of KubeVirt's virt-controller for the local control plane (see simulation.ts): a
// controller on the project's own runtime that, for each VirtualMachine, keeps its instance and
// virt-launcher pod as runStrategy asks and writes their statuses. Started by `npm start` (its own
// process, main.ts) and by the integration tests of VM sessions (in process, on their namespaces).
import type { Logger } from 'pino';
import { apply } from '../../../runtime/apply.ts';
import { jsonEqual } from '../../../runtime/equal.ts';
import { Manager } from '../../../runtime/manager.ts';
import {
  Pods,
  Secrets,
  keyOf,
  objectPath,
  type KubeObject,
  type ResourceType,
} from '../../../runtime/resources.ts';
import type { RestClient } from '../../../runtime/rest.ts';
import { rfc3339 } from '../../../runtime/time.ts';
import {
  VirtualMachineInstances,
  VirtualMachines,
  type VirtualMachine,
  type VirtualMachineInstance,
} from '../../../operator/sessions/workloads/vm/kinds.ts';
import {
  accessCredentialSecrets,
  type CredentialsState,
  LAUNCHER_LABEL,
  VM_NAME_LABEL,
  instanceFor,
  instanceStatus,
  launcherName,
  launcherPodFor,
  machineStatus,
  simulatedFailure,
} from './simulation.ts';

export const SIM_FIELD_MANAGER = 'virt-controller-simulation';

export interface KubevirtSimulation {
  manager: Manager;
  stop(): Promise<void>;
}

async function remove(client: RestClient, type: ResourceType, obj: KubeObject | undefined): Promise<void> {
  if (!obj || obj.metadata.deletionTimestamp) return;
  await client
    .request('DELETE', objectPath(type, obj.metadata.namespace, obj.metadata.name ?? ''), {
      body: {
        kind: 'DeleteOptions',
        apiVersion: 'v1',
        propagationPolicy: 'Background',
        gracePeriodSeconds: 0,
      },
    })
    .catch((err: unknown) => {
      if ((err as { statusCode?: number }).statusCode !== 404) throw err;
    });
}

/** Starts the simulated virt-controller on `namespaces` (all when empty); resolves once it runs. */
export async function startKubevirtSimulation(options: {
  client: RestClient;
  log: Logger;
  namespaces?: string[];
  /** A simulated guest boot: how long a running instance takes to turn Ready (default 0: at once). */
  guestBootMs?: number;
}): Promise<KubevirtSimulation> {
  const { client, log } = options;
  const manager = new Manager({
    client,
    log,
    ...(options.namespaces ? { namespaces: options.namespaces } : {}),
  });
  const vms = manager.cache<VirtualMachine>(VirtualMachines);
  const vmis = manager.cache<VirtualMachineInstance>(VirtualMachineInstances);
  const launcherSelector = { labelSelector: `${LAUNCHER_LABEL}=virt-launcher` };
  const pods = manager.cache<KubeObject>(Pods, launcherSelector);
  // The Secrets of accessCredentials (KubeVirt watches them to propagate changes to the guest).
  const BY_ACCESS_SECRET = 'byAccessSecret';
  vms.addIndex(BY_ACCESS_SECRET, (vm) =>
    accessCredentialSecrets(vm).map((name) => `${vm.metadata.namespace ?? ''}/${name}`),
  );
  const secrets = manager.cache<KubeObject & { data?: Record<string, string> }>(Secrets);
  const credentialsOf = (vm: VirtualMachine): CredentialsState | undefined => {
    const names = accessCredentialSecrets(vm);
    if (names.length === 0) return undefined;
    const filled = names.every(
      (n) => Object.keys(secrets.get(`${vm.metadata.namespace ?? ''}/${n}`)?.data ?? {}).length > 0,
    );
    return filled ? 'synchronized' : 'waiting';
  };

  manager.controller({
    name: 'virt-controller-simulation',
    for: VirtualMachines,
    owns: [{ type: VirtualMachineInstances }],
    watches: [
      {
        type: Secrets,
        map: (secret: KubeObject) => vms.indexKeys(BY_ACCESS_SECRET, keyOf(secret)),
      },
      {
        type: Pods,
        selectors: launcherSelector,
        map: (pod: KubeObject) =>
          `${pod.metadata.namespace ?? ''}/${pod.metadata.labels?.[VM_NAME_LABEL] ?? ''}`,
      },
    ],
    reconcile: async (req) => {
      const vm = vms.get(req.key);
      if (!vm || vm.metadata.deletionTimestamp) return; // garbage collection removes the rest
      const failure = simulatedFailure(vm);
      let vmi = vmis.get(req.key);
      const pod = pods.get(`${req.namespace ?? ''}/${launcherName(req.name)}`);
      const now = rfc3339();
      if (vm.spec?.runStrategy !== 'Always' || failure === 'import-failure') {
        await remove(client, VirtualMachineInstances, vmi);
        await remove(client, Pods, pod);
        if (vmi?.metadata.deletionTimestamp || !vmi) vmi = undefined;
      } else {
        vmi ??= await apply(client, VirtualMachineInstances, instanceFor(vm), {
          fieldManager: SIM_FIELD_MANAGER,
        });
        if (!pod)
          await apply(client, Pods, launcherPodFor(vm, vmi, failure), { fieldManager: SIM_FIELD_MANAGER });
        const status = instanceStatus(vmi, pod, failure, now, credentialsOf(vm), options.guestBootMs);
        if (!jsonEqual(status, vmi.status)) {
          // KubeVirt's instances have no status subresource: the status is part of the object.
          vmi = await client.request<VirtualMachineInstance>(
            'PUT',
            objectPath(VirtualMachineInstances, vmi.metadata.namespace, vmi.metadata.name ?? ''),
            { body: { ...vmi, status } },
          );
        }
      }
      const status = machineStatus(vm, vmi, failure);
      if (!jsonEqual(status, vm.status)) {
        await client.request(
          'PUT',
          objectPath(VirtualMachines, vm.metadata.namespace, vm.metadata.name ?? '', 'status'),
          {
            body: { ...vm, status },
          },
        );
      }
      log.debug({ vm: keyOf(vm), printableStatus: status.printableStatus }, 'simulated');
      const booting = vmi?.status?.conditions?.some((c) => c.type === 'Ready' && c.reason === 'GuestBooting');
      return booting ? { requeueAfterMs: 250 } : undefined;
    },
  });
  await manager.startControllers();
  await manager.waitForCacheSync();
  return { manager, stop: () => manager.stop(5_000) };
}
