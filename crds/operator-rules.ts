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
    outcome: 'Failed',
  },
  {
    reason: 'ProposalMismatch',
    rule: "`spec.proposal` equals the namespace's proposal label; also refused at admission",
    checkedAgainst: 'namespace label',
    outcome: 'Failed',
  },
  {
    reason: 'ImageNotFound',
    rule: 'The image exists',
    checkedAgainst: 'SessionImage',
    outcome: 'Pending (retried when it appears)',
  },
  {
    reason: 'ImageDisabled',
    rule: 'The image is not disabled',
    checkedAgainst: '`SessionImage.spec.disabled`',
    outcome: 'Failed',
  },
  {
    reason: 'ImageNotAllowed',
    rule: 'The owner may use the image (everyone, groups, proposals, beamlines)',
    checkedAgainst: '`SessionImage.spec.availability`',
    outcome: 'Failed',
  },
  {
    reason: 'ResourcesExceedImageMaximum',
    rule: "Requested resources within the image's maxima; GPUs only where the image allows them",
    checkedAgainst: '`SessionImage.spec.resources.max`',
    outcome: 'Failed',
  },
  {
    reason: 'LifetimeExceedsMaximum',
    rule: "`lifetime` within the image's `maxLifetime` and the quota's `maxLifetime` (an extension beyond it is refused, the old expiry stays)",
    checkedAgainst: 'SessionImage, Quota',
    outcome: 'phase unchanged; the reason and message say why the extension was refused',
  },
  {
    reason: 'QuotaExceeded',
    rule: 'Sessions, cpu, memory, GPUs and disk within every applicable Quota',
    checkedAgainst: 'Quotas and the other sessions',
    outcome: 'Queued, `QuotaAdmitted=False` (admitted when capacity frees up)',
  },
  {
    reason: 'DataNotFound',
    rule: "The experiment session and sub-paths exist in the proposal's data",
    checkedAgainst: 'NFS, through operator configuration',
    outcome: 'Provisioning, `DataReady=False`',
  },
  {
    reason: 'ReadWriteNotAllowed',
    rule: 'Writable mounts only where the site allows them (e.g. `processed/`)',
    checkedAgainst: 'operator configuration',
    outcome: 'Failed',
  },
  {
    reason: 'DuplicateSubject',
    rule: 'At most one Quota per subject',
    checkedAgainst: 'Quotas',
    outcome: 'the stricter limits apply; `Conflict=True` on both Quotas',
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
