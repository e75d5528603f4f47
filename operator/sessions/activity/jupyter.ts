// The `jupyter` activity signal: a Jupyter server's /api/status reports when it last saw activity
// (API requests, kernel execution, open connections). A failed probe says nothing about idleness.
export type ActivityProbe =
  { ok: true; lastActivity: Date; connections: number; kernels: number } | { ok: false; error: string };

interface JupyterStatus {
  last_activity?: unknown;
  connections?: unknown;
  kernels?: unknown;
}

/** GETs `<baseUrl>api/status` with the session token; never throws. */
export async function probeJupyter(baseUrl: string, token: string, timeoutMs = 3000): Promise<ActivityProbe> {
  try {
    const res = await fetch(new URL('api/status', baseUrl), {
      headers: { authorization: `token ${token}` },
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
    if (!res.ok) return { ok: false, error: `HTTP ${String(res.status)} from ${baseUrl}api/status` };
    const body = (await res.json()) as JupyterStatus;
    const lastActivity = typeof body.last_activity === 'string' ? new Date(body.last_activity) : undefined;
    if (!lastActivity || Number.isNaN(lastActivity.getTime())) {
      return { ok: false, error: 'api/status has no valid last_activity' };
    }
    const count = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
    return { ok: true, lastActivity, connections: count(body.connections), kernels: count(body.kernels) };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

export type IdleVerdict =
  | { cull: false; lastActivityAt: Date | undefined; reason: string }
  | { cull: true; lastActivityAt: Date; reason: string };

/**
 * Decides whether to stop an idle session. Only a fresh, successful probe can lead to culling: a
 * failed probe keeps the session (the server may be busy, restarting or unreachable for a moment).
 * Open connections count as activity now.
 */
export function idleVerdict(input: {
  probe: ActivityProbe;
  previousActivityAt: Date | undefined;
  idleTimeoutMs: number;
  now: Date;
}): IdleVerdict {
  const { probe, previousActivityAt, idleTimeoutMs, now } = input;
  if (!probe.ok)
    return { cull: false, lastActivityAt: previousActivityAt, reason: `probe failed: ${probe.error}` };
  let last = probe.lastActivity;
  if (probe.connections > 0) last = now;
  if (previousActivityAt && previousActivityAt > last) last = previousActivityAt;
  const idleMs = now.getTime() - last.getTime();
  if (idleMs >= idleTimeoutMs) {
    return { cull: true, lastActivityAt: last, reason: `no activity for ${formatMinutes(idleMs)}` };
  }
  return { cull: false, lastActivityAt: last, reason: `active ${formatMinutes(idleMs)} ago` };
}

function formatMinutes(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  return minutes >= 1 ? `${String(minutes)} min` : `${String(Math.floor(ms / 1000))} s`;
}
