// Which images a user is offered in a proposal: the image's availability (everyone, the user's
// groups, the proposal, its beamline), not disabled, not hidden; admins see every image. The
// operator checks availability again on every session (operator/sessions/steps/admit.ts).
import type { SessionImage } from '../../crds/index.ts';

export interface ProposalInfo {
  namespace: string;
  proposal: string;
  title: string | undefined;
  beamline: string | undefined;
  abstract: string | undefined;
  experimentSessions: string[];
}

export function imageOffered(
  image: SessionImage,
  proposal: Pick<ProposalInfo, 'proposal' | 'beamline'>,
  groups: readonly string[],
  admin: boolean,
): boolean {
  if (image.spec.disabled) return false;
  if (admin) return true;
  if (image.spec.hidden) return false;
  const a = image.spec.availability;
  if (!a) return false;
  return (
    a.everyone ||
    (a.proposals ?? []).includes(proposal.proposal) ||
    (proposal.beamline !== undefined && (a.beamlines ?? []).includes(proposal.beamline)) ||
    (a.groups ?? []).some((g) => groups.includes(g))
  );
}
