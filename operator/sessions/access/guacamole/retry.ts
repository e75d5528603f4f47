// How long the Guacamole provider waits before it tries again after the n-th failure in a row:
// doubling from 5 s, capped at 5 minutes, so an outage costs a handful of requests per session.
const FIRST_MS = 5_000;
const MAX_MS = 5 * 60_000;

export function retryDelayMs(failures: number): number {
  return Math.min(MAX_MS, FIRST_MS * 2 ** Math.max(0, failures - 1));
}
