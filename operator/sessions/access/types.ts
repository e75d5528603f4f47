// The access seam: how a user reaches a running session (a URL, the gateway's VNC tunnel, a Guacamole
// connection). A provider is chosen by the image's access settings; it may register things outside
// the cluster (so it is asynchronous) and must remove them when the session no longer runs.
import type { AnalysisSession, AnalysisSessionStatus, SessionImage } from '../../../crds/index.ts';
import type { ConditionVerdict } from '../conditions.ts';
import type { SessionCredentials } from '../credentials.ts';
import type { SessionEvent } from '../status.ts';

export type Endpoint = NonNullable<AnalysisSessionStatus['endpoint']>;

/** The status fields a provider records about what it registered outside the cluster. */
export type ProviderStatus = Partial<Pick<AnalysisSessionStatus, 'guacamole'>>;

export interface AccessInput {
  session: AnalysisSession;
  image: SessionImage;
  /** Where the workload's access port listens (a pod IP, a VM address). */
  address: string;
  /** The account the workload made for the user (a VM's guest user); absent: the owner's name. */
  login?: string;
  /** The Secret holding the session's credentials (status names it, never the values). */
  credentialsSecretName: string;
  /** The credentials the running workload uses (for providers that hand them to a remote client). */
  credentials?: SessionCredentials;
}

export interface AccessOutcome {
  /** AccessReady; absent when the session does not run (nothing to connect to). */
  verdict?: ConditionVerdict;
  /** What status publishes: where users connect. */
  endpoint?: Endpoint;
  /** Where the operator's own probes reach the session, when not at `endpoint` (e.g. behind the gateway). */
  internal?: Endpoint;
  /** Status fields the provider owns (a field set to undefined is removed). */
  status?: ProviderStatus;
  events?: SessionEvent[];
  /** When the provider wants to look again (a bounded re-check, or a retry after a failure). */
  retryAt?: Date;
  /** The provider released everything it held: its finalizer may go. */
  releasedFinalizer?: string;
}

/** What a release did: undefined means done, with nothing to record. */
export interface ReleaseOutcome {
  released: boolean;
  status?: ProviderStatus;
  retryAt?: Date;
  /** Why it could not release (for logs and the Event when the operator gives up at deletion). */
  message?: string;
}

export interface AccessProvider {
  readonly name: string;
  /**
   * The finalizer the provider needs on a session while it holds something outside the cluster
   * (the reconciler adds it before the first ensure and removes it once a release succeeded).
   */
  readonly finalizer?: string;
  /** How long a deleted session waits for a release before the finalizer is removed anyway. */
  readonly releaseTimeoutMs?: number;
  /** Whether this provider serves the image's access (protocol, site configuration). */
  serves(image: SessionImage): boolean;
  /** Makes the session reachable; called on every pass while the workload is ready. */
  ensure(input: AccessInput): Promise<AccessOutcome>;
  /** Undoes what ensure set up outside the cluster; called while the session does not run. */
  release(session: AnalysisSession): Promise<ReleaseOutcome | undefined>;
}
