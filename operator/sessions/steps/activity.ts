// Step 6, activity: for images with an activity signal, probe the session every probeInterval and
// record when it was last used. Only a fresh, successful probe past the idle timeout asks for the
// session to be stopped; a failed probe never does (the server may be busy or restarting).
import type { Logger } from 'pino';
import type { SessionImage } from '../../../crds/index.ts';
import { parseDuration } from '../../../runtime/duration.ts';
import { idleVerdict, probeJupyter, type ActivityProbe } from '../activity/jupyter.ts';
import type { SessionCredentials } from '../credentials.ts';
import type { Endpoint } from '../access/types.ts';

/**
 * Reads a session's activity from its endpoint with its credentials (`session.key` is its
 * namespace/name, for probes that ask about it elsewhere, such as the gateway); never throws.
 */
export type Probe = (
  endpoint: Endpoint,
  credentials: SessionCredentials,
  session: { key: string },
) => Promise<ActivityProbe>;

/** The probes by activity signal; `connections` (the gateway's) is added when a gateway is configured. */
export const DEFAULT_PROBES: Readonly<Record<string, Probe>> = {
  jupyter: (endpoint, credentials) =>
    endpoint.url
      ? probeJupyter(endpoint.url, credentials.token)
      : Promise.resolve({ ok: false, error: 'no URL' }),
};

const DEFAULT_PROBE_INTERVAL_MS = 300_000;

export interface ActivityInput {
  key: string;
  image: SessionImage;
  endpoint: Endpoint | undefined;
  credentials: SessionCredentials | undefined;
  lastActivityAt: string | undefined;
  /**
   * When the running workload started (its pod, its VM's instance): a start counts as use, so a
   * resumed session gets a whole idle timeout even when the signal (the gateway's last input)
   * still reports the time before it was stopped.
   */
  runningSince?: Date | undefined;
  idleTimeoutMs: number | undefined;
  now: Date;
  log: Logger;
}

export interface ActivityOutcome {
  lastActivityAt?: Date;
  /** Stop the session: a fresh successful probe found it idle past its timeout. */
  idle: boolean;
  /** When to probe next. */
  nextProbeAt?: Date;
}

export class ActivityStep {
  private readonly probes: Readonly<Record<string, Probe>>;
  /** When each session was last probed (memory only: after a restart, probe at once). */
  private readonly probedAt = new Map<string, number>();

  constructor(probes: Readonly<Record<string, Probe>> = DEFAULT_PROBES) {
    this.probes = probes;
  }

  forget(key: string): void {
    this.probedAt.delete(key);
  }

  async check(input: ActivityInput): Promise<ActivityOutcome> {
    const { key, image, endpoint, now } = input;
    const signal = image.spec.activity?.signal;
    const probe = signal ? this.probes[signal] : undefined;
    if (!probe || !endpoint) return { idle: false };
    const intervalMs = parseDuration(image.spec.activity?.probeInterval ?? '') ?? DEFAULT_PROBE_INTERVAL_MS;
    const last = this.probedAt.get(key) ?? 0;
    if (now.getTime() - last < intervalMs) return { idle: false, nextProbeAt: new Date(last + intervalMs) };
    this.probedAt.set(key, now.getTime());
    const nextProbeAt = new Date(now.getTime() + intervalMs);
    const result = input.credentials
      ? await probe(endpoint, input.credentials, { key })
      : { ok: false as const, error: 'no credentials' };
    if (!result.ok) {
      input.log.info({ err: result.error }, 'activity probe failed; keeping the session');
      return { idle: false, nextProbeAt };
    }
    const recorded = input.lastActivityAt ? new Date(input.lastActivityAt) : undefined;
    const floor = [recorded, input.runningSince].filter((d): d is Date => d !== undefined);
    const v = idleVerdict({
      probe: result,
      previousActivityAt: floor.length ? new Date(Math.max(...floor.map((d) => d.getTime()))) : undefined,
      idleTimeoutMs: input.idleTimeoutMs ?? Number.POSITIVE_INFINITY,
      now,
    });
    return {
      ...(v.lastActivityAt ? { lastActivityAt: v.lastActivityAt } : {}),
      idle: v.cull && input.idleTimeoutMs !== undefined,
      nextProbeAt,
    };
  }
}
