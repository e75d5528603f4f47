// The cross-object rules the operator enforces (CRD validation sees one object only), with the
// status reason each one reports. The operator imports the reasons from here; docs/api.md renders
// this table, so the two cannot disagree.
export interface OperatorRule {
  /** CamelCase value of status.reason (and of the condition's reason). */
  reason: string;
  rule: string;
  checkedAgainst: string;
  /** Phase and condition the session (or quota) shows while the rule is broken. */
  outcome: string;
}

export const OPERATOR_RULES = [
  {
    reason: 'NotAProposalNamespace',
    rule: 'The namespace is (still) a proposal namespace; also refused at admission',
    checkedAgainst: 'namespace label',
    outcome: 'Failed, `Accepted=False`',
  },
  {
    reason: 'ProposalMismatch',
    rule: "`spec.proposal` equals the namespace's proposal label; also refused at admission",
    checkedAgainst: 'namespace label',
    outcome: 'Failed, `Accepted=False`',
  },
  {
    reason: 'ImageNotFound',
    rule: 'The image exists',
    checkedAgainst: 'SessionImage',
    outcome: 'Pending, `Accepted=False` (retried when the image appears)',
  },
  {
    reason: 'ImageDisabled',
    rule: 'The image is not disabled (sessions that already started keep running)',
    checkedAgainst: '`SessionImage.spec.disabled`',
    outcome: 'Failed, `Accepted=False`',
  },
  {
    reason: 'ImageNotAllowed',
    rule: "The session's proposal or beamline may use the image (`everyone`, `proposals`, `beamlines`; `groups` are checked by the dashboard, which knows the user's groups)",
    checkedAgainst: '`SessionImage.spec.availability`',
    outcome: 'Failed, `Accepted=False`',
  },
  {
    reason: 'RuntimeNotSupported',
    rule: 'The image runs as a container (virtual machine sessions are not available yet)',
    checkedAgainst: '`SessionImage.spec.runtime`',
    outcome: 'Failed, `Accepted=False`',
  },
  {
    reason: 'ResourcesExceedImageMaximum',
    rule: "Requested resources within the image's maxima; GPUs only where the image allows them",
    checkedAgainst: '`SessionImage.spec.resources.max`',
    outcome: 'Failed, `Accepted=False`',
  },
  {
    reason: 'ImageMisconfigured',
    rule: "The image's defaults are within its own maxima",
    checkedAgainst: '`SessionImage.spec.resources`',
    outcome: 'Failed, `Accepted=False`',
  },
  {
    reason: 'DataNotConfigured',
    rule: 'Every placeholder of the data path templates has a value (e.g. the beamline annotation)',
    checkedAgainst: 'namespace annotations, operator configuration',
    outcome: 'Failed, `DataReady=False`',
  },
  {
    reason: 'InvalidDataPath',
    rule: "Experiment sessions and sub-paths stay below the proposal's data root (checked again after admission)",
    checkedAgainst: 'operator configuration',
    outcome: 'Failed, `DataReady=False`',
  },
  {
    reason: 'DataMountConflict',
    rule: 'A mount is not named `raw`, `processed` or `home` when that area is mounted',
    checkedAgainst: 'operator configuration',
    outcome: 'Failed, `DataReady=False`',
  },
  {
    reason: 'RootNotAllowed',
    rule: "The session's uid and gid are not 0",
    checkedAgainst: 'namespace annotations, image, operator configuration',
    outcome: 'Failed, `DataReady=False`',
  },
  {
    reason: 'Unschedulable',
    rule: 'Some node has the requested cpu, memory and GPUs free (the message names what is short and how much the largest suitable node offers)',
    checkedAgainst: 'nodes, through kube-scheduler',
    outcome: 'Queued, `Scheduled=False` (runs when capacity frees up)',
  },
  {
    reason: 'ImagePullFailed',
    rule: "The image can be pulled within the operator's grace period (`--image-pull-grace`)",
    checkedAgainst: 'the pod',
    outcome: 'Failed; the pod is removed',
  },
  {
    reason: 'CrashLoop',
    rule: "The session's process does not keep crashing (out of memory is named)",
    checkedAgainst: 'the pod',
    outcome: 'Failed; the pod is removed',
  },
  {
    reason: 'LifetimeExpired',
    rule: "The session is within its lifetime (capped at the image's `maxLifetime`)",
    checkedAgainst: '`status.startedAt` + lifetime',
    outcome: 'Expired; the workload is removed, the session kept as history for `--session-history-ttl`',
  },
  {
    reason: 'IdleTimeout',
    rule: 'A `jupyter` session shows activity within its idle timeout (only a successful probe counts)',
    checkedAgainst: "the Jupyter server's `/api/status`",
    outcome: 'Stopped (`spec.state` set to `Stopped`)',
  },
  {
    reason: 'QuotaExceeded',
    rule: 'Sessions, cpu, memory, GPUs and disk within every applicable Quota (not enforced yet)',
    checkedAgainst: 'Quotas and the other sessions',
    outcome: 'planned: Queued, `QuotaAdmitted=False`',
  },
  {
    reason: 'DuplicateSubject',
    rule: 'At most one Quota per subject (not enforced yet)',
    checkedAgainst: 'Quotas',
    outcome: 'planned: the stricter limits apply; `Conflict=True` on both Quotas',
  },
] as const satisfies readonly OperatorRule[];

export type OperatorReason = (typeof OPERATOR_RULES)[number]['reason'];

export function operatorRulesTable(): string {
  const rows = OPERATOR_RULES.map(
    (r) => `| ${r.rule} | ${r.checkedAgainst} | ${r.outcome} | \`${r.reason}\` |`,
  );
  return [
    '| Rule | Checked against | Phase / condition | `status.reason` |',
    '| --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
