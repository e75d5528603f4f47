// Live updates: one handler on the session cache fans every change out to the open event streams
// whose filter admits the session. No polling of the API server: the watch already delivers.
import type { AnalysisSession } from '../../crds/index.ts';
import type { Cache } from '../../runtime/informer.ts';

export interface Subscriber {
  /** Whether this stream may see the session (what the user may see, and what the page shows). */
  sees(session: AnalysisSession): boolean;
  changed(session: AnalysisSession): void;
  removed(session: AnalysisSession): void;
}

export class LiveHub {
  private readonly subscribers = new Set<Subscriber>();
  private readonly unsubscribe: () => void;

  constructor(sessions: Cache<AnalysisSession>) {
    this.unsubscribe = sessions.addHandler({
      onAdd: (s) => {
        this.fan(s, 'changed');
      },
      onUpdate: (old, s) => {
        // A periodic resync of an unchanged object sends nothing.
        if (old !== s) this.fan(s, 'changed');
      },
      onDelete: (s) => {
        this.fan(s, 'removed');
      },
    });
  }

  get size(): number {
    return this.subscribers.size;
  }

  subscribe(subscriber: Subscriber): () => void {
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  private fan(session: AnalysisSession, what: 'changed' | 'removed'): void {
    for (const s of this.subscribers) if (s.sees(session)) s[what](session);
  }

  stop(): void {
    this.unsubscribe();
    this.subscribers.clear();
  }
}
