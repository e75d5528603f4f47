// Open connections and last input per session: the gateway's view of who uses what, for metrics,
// logs and (later) the `connections` activity signal that the operator will probe.
import { Gauge, Counter, type Registry } from 'prom-client';

export interface SessionActivity {
  open: number;
  /** Milliseconds since the epoch of the last bytes a user sent, if any since the gateway started. */
  lastInputAt?: number;
}

export class Connections {
  private readonly bySession = new Map<string, SessionActivity>();
  private readonly byUser = new Map<string, number>();
  private readonly gauge: Gauge<'protocol'>;
  private readonly refused: Counter<'protocol' | 'stage'>;

  constructor(registry: Registry) {
    this.gauge = new Gauge({
      name: 'daas_gateway_connections',
      help: 'Open browser connections through the gateway (VNC tunnels, proxied WebSockets).',
      labelNames: ['protocol'],
      registers: [registry],
    });
    this.refused = new Counter({
      name: 'daas_gateway_refusals_total',
      help: 'Requests refused by the gateway, by stage (ticket, cookie, origin).',
      labelNames: ['protocol', 'stage'],
      registers: [registry],
    });
  }

  /** Open connections of `user` (for the per-user limit). */
  openBy(user: string): number {
    return this.byUser.get(user) ?? 0;
  }

  /** Counts a connection of `user` to session `key` open; returns the function that counts it closed. */
  opened(key: string, user: string, protocol: string, now = Date.now()): () => void {
    this.byUser.set(user, this.openBy(user) + 1);
    const activity = this.bySession.get(key) ?? { open: 0 };
    activity.open++;
    activity.lastInputAt = now;
    this.bySession.set(key, activity);
    this.gauge.inc({ protocol });
    let closed = false;
    return () => {
      if (closed) return;
      closed = true;
      activity.open--;
      const left = this.openBy(user) - 1;
      if (left > 0) this.byUser.set(user, left);
      else this.byUser.delete(user);
      this.gauge.dec({ protocol });
    };
  }

  input(key: string, now = Date.now()): void {
    const activity = this.bySession.get(key);
    if (activity) activity.lastInputAt = now;
  }

  refusal(protocol: string, stage: string): void {
    this.refused.inc({ protocol, stage });
  }

  of(key: string): SessionActivity {
    return { ...(this.bySession.get(key) ?? { open: 0 }) };
  }
}
