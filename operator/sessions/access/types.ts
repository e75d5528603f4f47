// The access seam: how a user reaches a running session (a URL, the gateway's VNC tunnel, a Guacamole
// connection). A provider is chosen by the image's access settings; it may register things outside
// the cluster (so it is asynchronous) and must remove them when the session no longer runs.
import type { AnalysisSession, AnalysisSessionStatus, SessionImage } from '../../../crds/index.ts';
import type { ConditionVerdict } from '../conditions.ts';

export type Endpoint = NonNullable<AnalysisSessionStatus['endpoint']>;

export interface AccessInput {
  session: AnalysisSession;
  image: SessionImage;
  /** Where the workload's access port listens (a pod IP, a VM address). */
  address: string;
  /** The Secret holding the session's credentials (status names it, never the values). */
  credentialsSecretName: string;
}

export interface AccessOutcome {
  verdict: ConditionVerdict;
  /** What status publishes: where users connect. */
  endpoint?: Endpoint;
  /** Where the operator's own probes reach the session, when not at `endpoint` (e.g. behind the gateway). */
  internal?: Endpoint;
}

export interface AccessProvider {
  readonly name: string;
  /** Whether this provider serves the image's access (protocol, site configuration). */
  serves(image: SessionImage): boolean;
  /** Makes the session reachable; called on every pass while the workload is ready. */
  ensure(input: AccessInput): Promise<AccessOutcome>;
  /** Undoes what ensure set up outside the cluster; called while the session does not run. */
  release(session: AnalysisSession): Promise<void>;
}
