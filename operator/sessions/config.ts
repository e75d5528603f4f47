// The session controller's part of the operator's configuration: where experiment data lives (site
// configuration, never user input), who may connect to sessions, and the session clock's settings.
// Path templates take {proposal}, {beamline}, {owner}, {dataRoot}, {experimentSession} and {proposalPath}.
import { z } from 'zod';
import { boolean, dnsLabel, dnsSubdomain, duration, labelList } from '../../runtime/config.ts';
import { quotaConfigSchema } from '../quotas/config.ts';
import { poolConfigSchema } from '../pools/config.ts';
import { SERVICE_ACCOUNT_TOKEN } from './activity/connections.ts';
import { guacamoleConfigSchema } from './access/guacamole/config.ts';
import { egressConfigSchema, sessionEgress } from './workloads/container/egress-config.ts';
import type { DataConfig, SessionControllerConfig } from './types.ts';

const pathTemplate = z
  .string()
  .regex(
    /^(\/|\{proposalPath\}|\{dataRoot\})[^\0]*$/,
    'expected an absolute path template such as /data/{proposal}',
  );
const optionalPathTemplate = z
  .string()
  .regex(
    /^((\/|\{proposalPath\}|\{dataRoot\})[^\0]*)?$/,
    'expected an absolute path template, or empty for none',
  );

/** A uid or gid: a whole number, never 0. */
const id = z
  .string()
  .regex(/^\d+$/, 'expected a whole number')
  .transform(Number)
  .pipe(z.number().min(1, 'must not be 0 (sessions never run as root)').max(2147483647));

/**
 * Where proposal data lives: shared with the proposal-data controller, which creates a proposal's
 * claims when its namespace appears (the same field objects, so the merged configuration has them once).
 */
export const dataConfigSchema = z.object({
  nfsServer: dnsSubdomain('expected a host name')
    .default('nfs.facility.example')
    .describe('the NFS server of the experiment data'),
  dataProposalPath: pathTemplate
    .default('/data/proposals/{proposal}')
    .describe(
      "a proposal's raw data; {proposal}, {beamline}, {dataRoot} (the namespace's annotation), {owner}",
    ),
  dataExperimentPath: pathTemplate
    .default('{proposalPath}/{experimentSession}')
    .describe("an experiment session's data"),
  dataProcessedPath: optionalPathTemplate
    .default('/data/processed/{proposal}')
    .describe('the read-write processed area (empty: none)'),
  dataHomePath: optionalPathTemplate
    .default('')
    .describe('a per-user home, e.g. /home/{owner} (empty: none)'),
  dataMountRoot: z
    .string()
    .regex(/^\/[^\0]*$/, 'expected an absolute path')
    .default('/data')
    .describe('where data appears in sessions'),
});

export const sessionConfigSchema = z.object({
  ...dataConfigSchema.shape,
  ...guacamoleConfigSchema.shape,
  ...quotaConfigSchema.shape,
  ...egressConfigSchema.shape,
  ...poolConfigSchema.shape,
  gatewayNamespace: dnsLabel('expected a namespace name')
    .default('daas-system')
    .describe('the namespace of the pods that may connect to sessions (NetworkPolicy)'),
  gatewayPodLabels: labelList
    .prefault('app.kubernetes.io/name=daas-dashboard')
    .describe('the labels of the pods that may connect to sessions, key=value[,key=value]'),
  gatewayUrl: z
    .string()
    .refine((text) => text === '' || /^https?:\/\/[^/?#]+\/$/.test(text), {
      error: "expected the gateway's base URL such as https://gateway.facility.example/, or empty",
    })
    .default('')
    .describe(
      "the gateway's public URL: http and vnc sessions are opened through it (empty: the pod's own address)",
    ),
  gatewayTokenFile: z
    .string()
    .min(1)
    .default(SERVICE_ACCOUNT_TOKEN)
    .describe(
      "the token the operator shows the gateway when it reads desktops' activity (connections signal)",
    ),
  operatorNamespace: dnsLabel('expected a namespace name')
    .default('daas-system')
    .describe("the operator's own namespace, let through the NetworkPolicy of jupyter sessions"),
  operatorPodLabels: labelList
    .prefault('app.kubernetes.io/name=daas-operator')
    .describe("the operator's own pod labels, which read the activity of jupyter sessions"),
  defaultUid: id
    .prefault('1000')
    .describe('the uid when neither the proposal nor the image gives one (0 is refused)'),
  defaultGid: id
    .prefault('1000')
    .describe('the gid when neither the proposal nor the image gives one (0 is refused)'),
  sessionHistoryTtl: duration.prefault('168h').describe('how long Expired sessions are kept'),
  imagePullGrace: duration
    .prefault('2m')
    .describe('how long a pod may fail to pull its image before the session fails'),
  virtualMachines: boolean
    .prefault('false')
    .describe('run vm images as KubeVirt VirtualMachines (the cluster must have KubeVirt installed)'),
  vmBootTimeout: duration
    .prefault('10m')
    .describe("how long a started virtual machine's guest may take to become ready before the session fails"),
});

export type SessionConfig = z.output<typeof sessionConfigSchema>;

/**
 * The pool controller's fragment: the pool's own settings, and the session settings its VMs are
 * built with (data, gateway, VMs on or off): the same field objects as the session controller's.
 */
export const poolsConfigSchema = sessionConfigSchema;

/** Where proposal data lives, from the data fragment of the operator's configuration. */
export function dataConfig(c: z.output<typeof dataConfigSchema>): DataConfig {
  return {
    nfsServer: c.nfsServer,
    proposalPath: c.dataProposalPath,
    experimentPath: c.dataExperimentPath,
    ...(c.dataProcessedPath ? { processedPath: c.dataProcessedPath } : {}),
    ...(c.dataHomePath ? { homePath: c.dataHomePath } : {}),
    mountRoot: c.dataMountRoot,
  };
}

/** The session controller's configuration from its fragment of the operator's. */
export function sessionControllerConfig(c: SessionConfig): SessionControllerConfig {
  return {
    data: dataConfig(c),
    gateway: { namespace: c.gatewayNamespace, podLabels: c.gatewayPodLabels },
    // The operator's own pods read Jupyter's activity by pod IP: the NetworkPolicy must let them in.
    activityProbe: { namespace: c.operatorNamespace, podLabels: c.operatorPodLabels },
    egress: sessionEgress(c, c.nfsServer),
    defaultUid: c.defaultUid,
    defaultGid: c.defaultGid,
    historyTtlMs: c.sessionHistoryTtl,
    imagePullGraceMs: c.imagePullGrace,
  };
}
