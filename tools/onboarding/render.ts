// Renders checked proposals as what the cluster needs for them: the proposal namespace with the
// label and annotations the operator reads (crds/labels.ts), and the members' RoleBindings to the
// roles that come with the API (crds/user-roles.ts). YAML for kubectl apply or a GitOps repository
// (one file per proposal and a kustomization.yaml). Pure and deterministic.
import { stringify } from 'yaml';
import { APP_MANAGED_BY_LABEL, PROPOSAL_ANNOTATIONS, PROPOSAL_LABEL } from '../../crds/index.ts';
import { SCIENTIST_ROLE, VIEWER_ROLE } from '../../crds/user-roles.ts';
import { MEMBER_ROLES, namespaceOf, type ProposalRecord } from './export.ts';

/** Who wrote the objects: a GitOps tool or a cleanup may select them by it. */
export const MANAGED_BY = 'daas-onboarding';

type Manifest = Record<string, unknown>;

export function namespaceManifest(p: ProposalRecord): Manifest {
  const a = PROPOSAL_ANNOTATIONS;
  const annotations: Record<string, string> = {
    [a.title]: p.title,
    [a.beamline]: p.beamline,
    [a.dataRoot]: p.dataRoot,
    ...(p.abstract ? { [a.abstract]: p.abstract } : {}),
    ...(p.experimentSessions.length > 0
      ? { [a.experimentSessions]: p.experimentSessions.map((s) => s.id).join(',') }
      : {}),
    [a.uid]: String(p.uid),
    [a.gid]: String(p.gid),
  };
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: namespaceOf(p.proposal),
      labels: { [PROPOSAL_LABEL]: p.proposal, [APP_MANAGED_BY_LABEL]: MANAGED_BY },
      annotations,
    },
  };
}

const BINDINGS = [
  { name: 'daas-members', role: SCIENTIST_ROLE, kind: 'scientist' },
  { name: 'daas-viewers', role: VIEWER_ROLE, kind: 'viewer' },
] as const;

/** One RoleBinding per role that has members: daas-members (daas-scientist), daas-viewers (daas-viewer). */
export function memberBindings(p: ProposalRecord): Manifest[] {
  return BINDINGS.flatMap(({ name, role, kind }) => {
    const users = p.members
      .filter((m) => MEMBER_ROLES[m.role] === kind)
      .map((m) => m.user)
      .sort();
    if (users.length === 0) return [];
    return [
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: {
          name,
          namespace: namespaceOf(p.proposal),
          labels: { [APP_MANAGED_BY_LABEL]: MANAGED_BY },
        },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
        subjects: users.map((user) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user })),
      },
    ];
  });
}

export function proposalManifests(p: ProposalRecord): Manifest[] {
  return [namespaceManifest(p), ...memberBindings(p)];
}

/** The comment above a proposal's objects: what the namespace holds that the API does not (dates). */
function header(p: ProposalRecord): string {
  const lines = [
    `Proposal ${p.proposal} (${p.beamline}): rendered by \`npm run onboard\`; change the export, not this file.`,
    ...p.experimentSessions.map(
      (s) => `Experiment session ${s.id}: ${s.start}${s.end === s.start ? '' : ` to ${s.end}`}`,
    ),
  ];
  return lines.map((l) => `# ${l}\n`).join('');
}

/** A proposal's objects as one YAML stream. */
export function proposalYaml(p: ProposalRecord): string {
  const docs = proposalManifests(p).map((m) => stringify(m, { lineWidth: 0, singleQuote: true }));
  return `${header(p)}${docs.join('---\n')}`;
}

/** The files of an output directory: one per proposal (by namespace) and a kustomization.yaml. */
export function renderFiles(proposals: readonly ProposalRecord[]): Map<string, string> {
  const files = new Map<string, string>();
  const sorted = [...proposals].sort((a, b) =>
    namespaceOf(a.proposal).localeCompare(namespaceOf(b.proposal)),
  );
  for (const p of sorted) files.set(`${namespaceOf(p.proposal)}.yaml`, proposalYaml(p));
  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: [...files.keys()],
  };
  files.set(
    'kustomization.yaml',
    `# The proposals of the export, for kubectl apply -k or an Argo CD / Flux source.\n${stringify(kustomization, { singleQuote: true })}`,
  );
  return files;
}

/** Every proposal as one YAML stream (standard output). */
export function renderStream(proposals: readonly ProposalRecord[]): string {
  return [...renderFiles(proposals).entries()]
    .filter(([name]) => name !== 'kustomization.yaml')
    .map(([, text]) => text)
    .join('---\n');
}
