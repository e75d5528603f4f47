// Proposals as the dashboard shows them: from the proposal namespaces' label and annotations, and
// the ones a user is a member of (where RBAC lets them create sessions).
import { PROPOSAL_ANNOTATIONS, PROPOSAL_LABEL } from '../../crds/index.ts';
import type { Namespace } from '../../runtime/resources.ts';
import type { Dashboard } from '../context.ts';
import type { ProposalInfo } from '../kube/catalogue.ts';
import type { Viewer } from '../views/layout.ts';

export function proposalInfo(ns: Namespace | undefined): ProposalInfo | undefined {
  const proposal = ns?.metadata.labels?.[PROPOSAL_LABEL];
  if (!ns || !proposal) return undefined;
  const a = ns.metadata.annotations ?? {};
  return {
    namespace: ns.metadata.name ?? '',
    proposal,
    title: a[PROPOSAL_ANNOTATIONS.title],
    beamline: a[PROPOSAL_ANNOTATIONS.beamline],
    abstract: a[PROPOSAL_ANNOTATIONS.abstract],
    experimentSessions: (a[PROPOSAL_ANNOTATIONS.experimentSessions] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  };
}

export function allProposals(d: Dashboard): ProposalInfo[] {
  return d.caches.namespaces
    .list()
    .map(proposalInfo)
    .filter((p): p is ProposalInfo => p !== undefined)
    .sort((a, b) => a.proposal.localeCompare(b.proposal));
}

/** The proposals where the viewer may launch sessions (RBAC, through access reviews). */
export async function proposalsOf(d: Dashboard, viewer: Viewer): Promise<ProposalInfo[]> {
  const all = allProposals(d);
  const member = new Set(
    await d.membership.memberOf(
      viewer,
      all.map((p) => p.namespace),
    ),
  );
  return all.filter((p) => member.has(p.namespace));
}

export async function proposalOf(d: Dashboard, viewer: Viewer, namespace: string) {
  const info = proposalInfo(d.caches.namespaces.get(namespace));
  if (!info) return undefined;
  return { info, member: await d.membership.mayLaunch(viewer, namespace) };
}
