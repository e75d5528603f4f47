// The cross-object rules the operator enforces (CRD validation sees one object only), with the
// status reason each one reports. The phase and condition of each come from crds/reasons.ts, and
// docs/api.md renders this table, so rules, reasons and docs cannot disagree.
import {
  QUOTA_REASONS,
  SESSION_REASONS,
  conditionText,
  isQuotaReason,
  phaseText,
  type QuotaReason,
  type QuotaReasonDoc,
  type ReasonDoc,
  type SessionReason,
} from './reasons.ts';

export interface OperatorRule {
  /** CamelCase value of status.reason (and of the condition's reason). */
  reason: SessionReason | QuotaReason;
  rule: string;
  checkedAgainst: string;
  /** What else happens while the rule is broken, after the phase and condition of the reason. */
  note?: string;
}

export const OPERATOR_RULES = [
  {
    reason: 'NotAProposalNamespace',
    rule: 'The namespace is (still) a proposal namespace; also refused at admission',
    checkedAgainst: 'namespace label',
  },
  {
    reason: 'ProposalMismatch',
    rule: "`spec.proposal` equals the namespace's proposal label; also refused at admission",
    checkedAgainst: 'namespace label',
  },
  {
    reason: 'ImageNotFound',
    rule: 'The image exists',
    checkedAgainst: 'SessionImage',
    note: 'retried when the image appears',
  },
  {
    reason: 'ImageDisabled',
    rule: 'The image is not disabled (sessions that already started keep running)',
    checkedAgainst: '`SessionImage.spec.disabled`',
  },
  {
    reason: 'ImageNotAllowed',
    rule: "The session's proposal or beamline may use the image (`everyone`, `proposals`, `beamlines`; `groups` are checked by the dashboard, which knows the user's groups)",
    checkedAgainst: '`SessionImage.spec.availability`',
  },
  {
    reason: 'RuntimeNotSupported',
    rule: "The operator runs the image's runtime: containers always, virtual machines with `--virtual-machines` (KubeVirt installed)",
    checkedAgainst: '`SessionImage.spec.runtime`',
  },
  {
    reason: 'ResourcesExceedImageMaximum',
    rule: "Requested resources within the image's maxima; GPUs only where the image allows them",
    checkedAgainst: '`SessionImage.spec.resources.max`',
  },
  {
    reason: 'ImageMisconfigured',
    rule: "The image's defaults are within its own maxima",
    checkedAgainst: '`SessionImage.spec.resources`',
  },
  {
    reason: 'DataNotConfigured',
    rule: 'Every placeholder of the data path templates has a value (e.g. the beamline annotation)',
    checkedAgainst: 'namespace annotations, operator configuration',
  },
  {
    reason: 'InvalidDataPath',
    rule: "Experiment sessions and sub-paths stay below the proposal's data root (checked again after admission)",
    checkedAgainst: 'operator configuration',
  },
  {
    reason: 'DataMountConflict',
    rule: 'A mount is not named `raw`, `processed` or `home` when that area is mounted; also refused at admission (all three names)',
    checkedAgainst: 'operator configuration',
  },
  {
    reason: 'RootNotAllowed',
    rule: "The session's uid and gid are not 0",
    checkedAgainst: 'namespace annotations, image, operator configuration',
  },
  {
    reason: 'DataRefused',
    rule: "The API server accepts the session's data volumes and claims (ResourceQuotas, LimitRanges, admission policies and webhooks)",
    checkedAgainst: 'the API server',
    note: "retried every 5 s; the message names the object and the API server's words",
  },
  {
    reason: 'WorkloadRefused',
    rule: "The API server accepts the session's pod, Secret and NetworkPolicy (ResourceQuotas, LimitRanges, PriorityClasses, admission policies and webhooks)",
    checkedAgainst: 'the API server',
    note: 'retried every 5 s; what already runs keeps running',
  },
  {
    reason: 'Unschedulable',
    rule: 'Some node has the requested cpu, memory and GPUs free (the message names what is short and how much the largest suitable node offers)',
    checkedAgainst: 'nodes, through kube-scheduler',
    note: 'runs when capacity frees up',
  },
  {
    reason: 'ImagePullFailed',
    rule: "The image can be pulled within the operator's grace period (`--image-pull-grace`)",
    checkedAgainst: 'the pod',
    note: 'the pod is removed',
  },
  {
    reason: 'CrashLoop',
    rule: "The session's process does not keep crashing (out of memory is named)",
    checkedAgainst: 'the pod',
    note: 'the pod is removed',
  },
  {
    reason: 'LifetimeExpired',
    rule: "The session is within its lifetime (capped at the image's `maxLifetime`)",
    checkedAgainst: '`status.startedAt` + lifetime',
    note: 'the workload is removed, the session kept as history for `--session-history-ttl`',
  },
  {
    reason: 'IdleTimeout',
    rule: 'A `jupyter` session shows activity within its idle timeout (only a successful probe counts)',
    checkedAgainst: "the Jupyter server's `/api/status`",
    note: '`spec.state` set to `Stopped`',
  },
  {
    reason: 'QuotaExceeded',
    rule: 'Sessions, cpu, memory, GPUs and disk within every applicable Quota (the user quota, each group and the proposal)',
    checkedAgainst: 'Quotas and the other sessions',
  },
  {
    reason: 'DuplicateSubject',
    rule: 'At most one Quota per subject (reported on both Quotas, not refused)',
    checkedAgainst: 'Quotas',
    note: 'the stricter limits apply',
  },
] as const satisfies readonly OperatorRule[];

export type OperatorReason = (typeof OPERATOR_RULES)[number]['reason'];

/** The phase and condition a session (or quota) shows while a rule is broken, then the note. */
function outcome(rule: OperatorRule): string {
  let shows: string;
  if (isQuotaReason(rule.reason)) {
    const doc: QuotaReasonDoc = QUOTA_REASONS[rule.reason];
    shows = `planned: ${doc.phase ? `${doc.phase}, ` : ''}${doc.condition}`;
  } else {
    const doc: ReasonDoc = SESSION_REASONS[rule.reason];
    shows =
      doc.condition === 'status' ? phaseText(doc.phase) : `${phaseText(doc.phase)}, ${conditionText(doc)}`;
  }
  return rule.note ? `${shows}; ${rule.note}` : shows;
}

export function operatorRulesTable(): string {
  const rows = OPERATOR_RULES.map(
    (r: OperatorRule) => `| ${r.rule} | ${r.checkedAgainst} | ${outcome(r)} | \`${r.reason}\` |`,
  );
  return [
    '| Rule | Checked against | Phase / condition | `status.reason` |',
    '| --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
