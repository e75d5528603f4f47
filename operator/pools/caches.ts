// The caches of the pool namespace (its VMs, their instances and Secrets, by the pool label), shared
// by the pool controller and the session controller's claims: one watch of each, whatever namespaces
// the operator is otherwise limited to.
import { POOL_LABEL } from '../../crds/index.ts';
import type { Manager } from '../../runtime/manager.ts';
import { FixedNamespaces } from '../../runtime/namespace-access.ts';
import { Secrets } from '../../runtime/resources.ts';
import { POOL_VM_INDEXES, type WarmPoolCaches } from '../sessions/workloads/vm/claim.ts';
import {
  VirtualMachineInstances,
  VirtualMachines,
  type VirtualMachine,
} from '../sessions/workloads/vm/kinds.ts';

export function poolCaches(m: Manager, namespace: string): WarmPoolCaches {
  const pool = new FixedNamespaces([namespace]);
  const selectors = { labelSelector: POOL_LABEL };
  const vms = m.cacheInNamespaces<VirtualMachine>(VirtualMachines, pool, selectors);
  for (const [name, fn] of Object.entries(POOL_VM_INDEXES)) vms.addIndex(name, fn);
  return {
    vms,
    instances: m.cacheInNamespaces(VirtualMachineInstances, pool, selectors),
    secrets: m.cacheInNamespaces(Secrets, pool, selectors),
  };
}
