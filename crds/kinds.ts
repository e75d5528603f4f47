// The three kinds of the API: their names, scope, printer columns and schemas. The CRD generator,
// the API reference and the runtime object validators all read this one list.
import { z } from 'zod';
import type { CelRule } from './schema/kube-meta.ts';
import { sessionSpec, sessionStatus } from './schema/analysis-session.ts';
import { sessionImageSpec, sessionImageStatus } from './schema/session-image.ts';
import { quotaSpec, quotaStatus } from './schema/quota.ts';

export { GROUP, VERSION, API_VERSION, CATEGORY } from './group.ts';
// The proposal label and annotations, here too for older imports; crds/labels.ts holds every key.
export { PROPOSAL_LABEL, PROPOSAL_ANNOTATIONS } from './labels.ts';

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description: string;
  priority?: number;
}

export interface KindDefinition {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  scope: 'Namespaced' | 'Cluster';
  description: string;
  spec: z.ZodType;
  status: z.ZodType;
  /** Rules on metadata.name: derived objects (Pods, Services, labels) need shorter, stricter names. */
  nameRule: CelRule;
  maxNameLength: number;
  printerColumns: PrinterColumn[];
}

const dnsLabelName = (max: number, why: string): CelRule => ({
  rule: `self.metadata.name.size() <= ${max} && self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')`,
  message: `metadata.name must start with a letter, contain only lower-case letters, digits and -, and be at most ${max} characters (${why})`,
  fieldPath: '.metadata.name',
});

const age: PrinterColumn = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
  description: 'Time since creation.',
};

export const sessionImageKind: KindDefinition = {
  kind: 'SessionImage',
  plural: 'sessionimages',
  singular: 'sessionimage',
  shortNames: ['simg'],
  scope: 'Cluster',
  description:
    'SessionImage is one entry of the catalogue of analysis environments (Jupyter notebooks, Linux desktops, virtual machines): what runs, how users connect, resource and lifetime limits, and who may use it. Written by facility admins.',
  spec: sessionImageSpec,
  status: sessionImageStatus,
  nameRule: dnsLabelName(63, 'it is used in labels'),
  maxNameLength: 63,
  printerColumns: [
    {
      name: 'Display Name',
      type: 'string',
      jsonPath: '.spec.displayName',
      description: 'Name in the catalogue.',
    },
    { name: 'Runtime', type: 'string', jsonPath: '.spec.runtime', description: 'container or vm.' },
    {
      name: 'Protocol',
      type: 'string',
      jsonPath: '.spec.access.protocol',
      description: 'How users connect.',
    },
    {
      name: 'Sessions',
      type: 'integer',
      jsonPath: '.status.sessions',
      description: 'Sessions using the image.',
    },
    {
      name: 'Warm',
      type: 'integer',
      jsonPath: '.status.warmPool.ready',
      description: 'Ready pool VMs.',
      priority: 1,
    },
    {
      name: 'Disabled',
      type: 'boolean',
      jsonPath: '.spec.disabled',
      description: 'New sessions refused.',
      priority: 1,
    },
    age,
  ],
};

export const analysisSessionKind: KindDefinition = {
  kind: 'AnalysisSession',
  plural: 'analysissessions',
  singular: 'analysissession',
  shortNames: ['asess', 'sess'],
  scope: 'Namespaced',
  description:
    "AnalysisSession is one user's analysis environment in a proposal namespace: a notebook, desktop or virtual machine from a SessionImage, with the proposal's experiment data mounted.",
  spec: sessionSpec,
  status: sessionStatus,
  nameRule: dnsLabelName(52, 'it names the Pod and Secret of the session'),
  maxNameLength: 52,
  printerColumns: [
    {
      name: 'Phase',
      type: 'string',
      jsonPath: '.status.phase',
      description: 'Where the session is in its life.',
    },
    { name: 'Image', type: 'string', jsonPath: '.spec.image', description: 'The SessionImage.' },
    {
      name: 'Owner',
      type: 'string',
      jsonPath: '.spec.owner',
      description: 'The user the session belongs to.',
    },
    { name: 'Proposal', type: 'string', jsonPath: '.spec.proposal', description: 'The proposal.' },
    {
      name: 'Machine',
      type: 'string',
      jsonPath: '.status.machineName',
      description: 'Friendly machine name.',
    },
    {
      // A date column prints future times as <invalid>: show the timestamp itself.
      name: 'Expires',
      type: 'string',
      jsonPath: '.status.expiresAt',
      description: 'When the session expires.',
    },
    { name: 'State', type: 'string', jsonPath: '.spec.state', description: 'Desired state.', priority: 1 },
    { name: 'Reason', type: 'string', jsonPath: '.status.reason', description: 'Why.', priority: 1 },
    { name: 'Node', type: 'string', jsonPath: '.status.nodeName', description: 'Node.', priority: 1 },
    age,
  ],
};

export const quotaKind: KindDefinition = {
  kind: 'Quota',
  plural: 'quotas',
  // Not 'quota': kubectl resolves a CRD's singular before the built-in short names, so `kubectl get
  // quota` (ResourceQuotas, which admins use in proposal namespaces) would list these instead.
  singular: 'daasquota',
  shortNames: ['dquota'],
  scope: 'Cluster',
  description:
    'Quota limits the concurrent sessions, cpu, memory, GPUs, disk and lifetime of the sessions of every user (EachUser), one user, the members of a group, or a proposal. Written by facility admins.',
  spec: quotaSpec,
  status: quotaStatus,
  nameRule: dnsLabelName(63, 'it is used in labels'),
  maxNameLength: 63,
  printerColumns: [
    {
      name: 'Subject Kind',
      type: 'string',
      jsonPath: '.spec.subject.kind',
      description: 'Whom it applies to.',
    },
    {
      name: 'Subject',
      type: 'string',
      jsonPath: '.spec.subject.name',
      description: 'User, group or proposal.',
    },
    {
      name: 'Sessions',
      type: 'integer',
      jsonPath: '.spec.limits.sessions',
      description: 'Concurrent sessions.',
    },
    { name: 'CPU', type: 'string', jsonPath: '.spec.limits.cpu', description: 'CPU limit.' },
    { name: 'Memory', type: 'string', jsonPath: '.spec.limits.memory', description: 'Memory limit.' },
    { name: 'GPUs', type: 'integer', jsonPath: '.spec.limits.gpus', description: 'GPU limit.', priority: 1 },
    { name: 'Used', type: 'integer', jsonPath: '.status.used.sessions', description: 'Sessions in use.' },
    { name: 'Queued', type: 'integer', jsonPath: '.status.queued', description: 'Sessions waiting.' },
    age,
  ],
};

export const KINDS = [sessionImageKind, analysisSessionKind, quotaKind] as const;
