// Admission of a session by the operator: the cross-object rules a CRD schema cannot check (the
// image exists, may be used by the proposal and has a runtime the operator runs; the namespace is the session's
// proposal; the request fits the image). Pure: the reconciler passes in what its caches hold.
import {
  PROPOSAL_ANNOTATIONS,
  PROPOSAL_LABEL,
  type AnalysisSession,
  type SessionReason,
  type SessionImage,
} from '../../../crds/index.ts';
import type { KubeObject } from '../../../runtime/resources.ts';
import { effectiveResources } from '../resources.ts';
import type { EffectiveResources, ProposalNamespace } from '../types.ts';
import type { ConditionVerdict } from '../conditions.ts';
import { DEFAULT_RUNTIMES } from '../workloads/registry.ts';

export interface Admission {
  verdict: ConditionVerdict;
  /** The session cannot run as asked (Failed) rather than waiting for something (Pending). */
  terminal: boolean;
  resources?: EffectiveResources;
}

export function proposalNamespace(ns: KubeObject | undefined, name: string): ProposalNamespace | undefined {
  if (!ns) return undefined;
  const labels = ns.metadata.labels ?? {};
  const annotations = ns.metadata.annotations ?? {};
  const proposal = labels[PROPOSAL_LABEL];
  if (!proposal) return undefined;
  const int = (v: string | undefined) => (v && /^\d+$/.test(v) ? Number(v) : undefined);
  return {
    name,
    proposal,
    title: annotations[PROPOSAL_ANNOTATIONS.title],
    beamline: annotations[PROPOSAL_ANNOTATIONS.beamline],
    dataRoot: annotations[PROPOSAL_ANNOTATIONS.dataRoot],
    uid: int(annotations[PROPOSAL_ANNOTATIONS.uid]),
    gid: int(annotations[PROPOSAL_ANNOTATIONS.gid]),
  };
}

/** Whether `owner` may use `image` in `ns` (admins bypass this through RBAC on images, not here). */
export function imageAllowed(image: SessionImage, ns: ProposalNamespace): boolean {
  const a = image.spec.availability;
  if (!a) return false;
  if (a.everyone) return true;
  if (a.proposals?.includes(ns.proposal)) return true;
  if (ns.beamline && a.beamlines?.includes(ns.beamline)) return true;
  // Group membership is known only to the API server (the dashboard checks it when acting as the user).
  return (a.groups?.length ?? 0) > 0;
}

/** The runtimes the operator can run (the workload registry); a session of any other is refused. */
export interface RuntimeSet {
  has(runtime: string): boolean;
  keys(): Iterable<string>;
}

export function admit(
  session: AnalysisSession,
  image: SessionImage | undefined,
  ns: ProposalNamespace | undefined,
  runtimes: RuntimeSet = DEFAULT_RUNTIMES,
): Admission {
  const refuse = (reason: SessionReason, message: string, terminal = true): Admission => ({
    verdict: { type: 'Accepted', status: 'False', reason, message },
    terminal,
  });
  const name = session.spec.image;
  const namespace = session.metadata.namespace ?? '';
  if (!image) {
    const message = session.status?.startedAt
      ? `The image "${name}" is no longer in the catalogue, so the session cannot start again: pick another image (spec.image), or ask an admin to restore it.`
      : `The image "${name}" is not in the catalogue (yet).`;
    return refuse('ImageNotFound', message, false);
  }
  if (!ns) {
    return refuse(
      'NotAProposalNamespace',
      `Namespace ${namespace} has no ${PROPOSAL_LABEL} label: sessions run only in proposal namespaces.`,
    );
  }
  if (ns.proposal !== session.spec.proposal) {
    return refuse(
      'ProposalMismatch',
      `spec.proposal is "${session.spec.proposal}" but namespace ${namespace} belongs to proposal "${ns.proposal}".`,
    );
  }
  if (!imageAllowed(image, ns)) {
    return refuse('ImageNotAllowed', `The image "${name}" is not available to proposal ${ns.proposal}.`);
  }
  if (!runtimes.has(image.spec.runtime)) {
    const supported = [...runtimes.keys()].join(', ');
    return refuse(
      'RuntimeNotSupported',
      `The image "${name}" runs as ${image.spec.runtime}, which this operator does not run (it runs: ${supported}; virtual machines need KubeVirt and --virtual-machines).`,
    );
  }
  // A retired image refuses new sessions; sessions that already started keep running.
  if (image.spec.disabled && !session.status?.startedAt) {
    return refuse('ImageDisabled', `The image "${name}" is retired: pick another one.`);
  }
  const r = effectiveResources(image, session);
  if (!r.ok) return refuse(r.error.reason, `${r.error.field}: ${r.error.message}`);
  return {
    verdict: { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'image and request accepted' },
    terminal: false,
    resources: r.value,
  };
}
