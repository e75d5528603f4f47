// KubeVirt's kinds as the VM runtime uses them: the VirtualMachine it writes and the
// VirtualMachineInstance that KubeVirt's virt-controller makes from it (read only, for diagnosis).
import { resourceType, type KubeObject, type ResourceType } from '../../../../runtime/resources.ts';

export const KUBEVIRT_GROUP = 'kubevirt.io';

/** The parts of a VirtualMachine's status the operator reads (KubeVirt's VirtualMachineStatus). */
export interface VirtualMachineStatus {
  printableStatus?: string;
  ready?: boolean;
  conditions?: KubeVirtCondition[];
  startFailure?: { consecutiveFailCount?: number; retryAfterTimestamp?: string; lastFailedVMIUID?: string };
  volumeRequests?: unknown[];
}

export interface KubeVirtCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export type VirtualMachine = KubeObject & {
  spec?: {
    runStrategy?: string;
    template?: {
      metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
      spec?: Record<string, unknown>;
    };
  } & Record<string, unknown>;
  status?: VirtualMachineStatus;
};

export type VirtualMachineInstance = KubeObject & {
  status?: {
    phase?: string;
    nodeName?: string;
    conditions?: KubeVirtCondition[];
    interfaces?: { name?: string; ipAddress?: string; ipAddresses?: string[] }[];
    phaseTransitionTimestamps?: { phase: string; phaseTransitionTimestamp: string }[];
  };
};

export const VirtualMachines: ResourceType<VirtualMachine> = resourceType(
  KUBEVIRT_GROUP,
  'v1',
  'virtualmachines',
  'VirtualMachine',
);
export const VirtualMachineInstances: ResourceType<VirtualMachineInstance> = resourceType(
  KUBEVIRT_GROUP,
  'v1',
  'virtualmachineinstances',
  'VirtualMachineInstance',
);
