// The `connections` activity signal: the gateway reports, per session, the last user input it
// tunnelled (keys, pointer, clipboard; a gateway restart counts as activity) on
// /activity/<namespace>/<name>, to a caller whose service-account token it checks. An open but
// untouched desktop is idle: open connections are not reported as activity. A failed probe says
// nothing about idleness.
import { readFile } from 'node:fs/promises';
import type { ActivityProbe } from './jupyter.ts';

export const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

interface ActivityReport {
  lastActivity?: unknown;
}

/** GETs the gateway's activity for the session `namespace/name`, with the token in `tokenFile`; never throws. */
export async function probeGatewayActivity(
  gatewayUrl: string,
  key: string,
  tokenFile: string,
  timeoutMs = 3000,
): Promise<ActivityProbe> {
  try {
    // Read on every probe: projected service-account tokens are rotated on disk.
    const token = (await readFile(tokenFile, 'utf8')).trim();
    const url = new URL(`activity/${key}`, gatewayUrl);
    const res = await fetch(url, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
    if (!res.ok)
      return { ok: false, error: `HTTP ${String(res.status)} from the gateway's activity of ${key}` };
    const body = (await res.json()) as ActivityReport;
    const lastActivity = typeof body.lastActivity === 'string' ? new Date(body.lastActivity) : undefined;
    if (!lastActivity || Number.isNaN(lastActivity.getTime())) {
      return { ok: false, error: 'the gateway reported no valid lastActivity' };
    }
    return { ok: true, lastActivity, connections: 0, kernels: 0 };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}
