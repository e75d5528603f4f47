// Durations in one place: Go-style text ("1m30s") for configuration and specs, and words for the
// messages people read ("2h 5m", "45 s").

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "15s", "1m30s", "500ms", "2h" → milliseconds; undefined when the text is not such a duration. */
export function parseDuration(text: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? NaN);
    matched = re.lastIndex;
  }
  return matched === text.length && text.length > 0 ? total : undefined;
}

/** "2h 5m", "45 s", "3 min", "1d 2h": a duration in the words of a status message, to the second. */
export function formatDuration(msTotal: number): string {
  const s = Math.max(0, Math.round(msTotal / 1000));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d) return h ? `${String(d)}d ${String(h)}h` : `${String(d)}d`;
  if (h) return m ? `${String(h)}h ${String(m)}m` : `${String(h)}h`;
  if (m) return `${String(m)} min`;
  return `${String(s)} s`;
}

/** "1 second", "90 seconds", "10 minutes": a wait in full words (up to two minutes in seconds). */
export function formatWait(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return s === 1 ? '1 second' : `${String(s)} seconds`;
  return `${String(Math.round(s / 60))} minutes`;
}
