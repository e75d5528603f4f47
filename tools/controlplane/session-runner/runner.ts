// The local session runner: watches the pods of sessions (the runtime's informers) and keeps one set
// of real processes per Running pod on a kwok node at its 127.x IP, level-triggered: each pass
// compares what should run with what runs, stops what is gone or changed (a new IP, a new pod) and
// starts what is missing. A Secret it cannot read yet is retried on the next pass.
import type { Logger } from 'pino';
import { APP_NAME_LABEL } from '../../../crds/labels.ts';
import type { Cache } from '../../../runtime/informer.ts';
import type { Manager } from '../../../runtime/manager.ts';
import {
  Nodes,
  Pods,
  Secrets,
  objectPath,
  type Node,
  type Pod,
  type Secret,
} from '../../../runtime/resources.ts';
import { startUnit, type Unit, type UnitContext } from './units.ts';
import { guestVncPassword } from './guest.ts';
import { fingerprint, plan, workloadOf, type SessionWorkload } from './workload.ts';

/** kwok manages the nodes with this annotation (the launcher's --manage-nodes-with-annotation-selector). */
export const FAKE_NODE_ANNOTATION = 'kwok.x-k8s.io/node';
const RETRY_MS = 2000;

interface Running {
  fingerprint: string;
  unit: Promise<Unit | undefined>;
}

export class SessionRunner {
  private readonly pods: Cache<Pod>;
  private readonly nodes: Cache<Node>;
  private readonly running = new Map<string, Running>();
  private readonly manager: Manager;
  private readonly ctx: UnitContext;
  private readonly log: Logger;
  private scheduled: NodeJS.Timeout | undefined;
  private passing: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(manager: Manager, ctx: UnitContext) {
    this.manager = manager;
    this.ctx = ctx;
    this.log = ctx.log;
    this.pods = manager.cache(Pods, { labelSelector: `${APP_NAME_LABEL}=daas-session` });
    this.nodes = manager.cache(Nodes);
    const changed = () => {
      this.schedule(0);
    };
    const handler = { onAdd: changed, onUpdate: changed, onDelete: changed };
    this.pods.addHandler(handler);
    this.nodes.addHandler(handler);
  }

  /** Keys (namespace/pod) of the sessions whose processes run now. */
  get keys(): string[] {
    return [...this.running.keys()];
  }

  /** Coalesces changes into one pass; passes never overlap. */
  private schedule(delayMs: number): void {
    if (this.stopped || this.scheduled) return;
    this.scheduled = setTimeout(() => {
      this.scheduled = undefined;
      this.passing = this.passing
        .then(() => this.pass())
        .catch((err: unknown) => {
          // Never leave the chain rejected: the next change (or retry) runs a pass again.
          this.log.error({ err: (err as Error).message }, 'pass failed');
          this.schedule(RETRY_MS);
        });
    }, delayMs);
  }

  private async pass(): Promise<void> {
    if (this.stopped || !this.pods.hasSynced() || !this.nodes.hasSynced()) return;
    const fake = new Set(
      this.nodes
        .list()
        .filter((n) => n.metadata.annotations?.[FAKE_NODE_ANNOTATION] === 'fake')
        .map((n) => n.metadata.name ?? ''),
    );
    const desired: SessionWorkload[] = [];
    for (const pod of this.pods.list()) {
      const out = workloadOf(pod, fake);
      if (out.ok) desired.push(out.value);
    }
    const current = new Map([...this.running].map(([key, r]) => [key, r.fingerprint]));
    const { start, stop } = plan(desired, current);
    await Promise.all(stop.map((key) => this.stopOne(key)));
    for (const w of start) this.startOne(w);
  }

  private startOne(w: SessionWorkload): void {
    const entry: Running = { fingerprint: fingerprint(w), unit: Promise.resolve(undefined) };
    const giveUp = () => {
      // Not startable now (no Secret yet, a failed start): forget it and look again shortly.
      if (this.running.get(w.key) === entry) this.running.delete(w.key);
      this.schedule(RETRY_MS);
    };
    entry.unit = (async () => {
      const secret = await this.secretValue(w);
      if (secret === undefined) {
        giveUp();
        return undefined;
      }
      const started = await startUnit(w, secret, this.ctx);
      void started.ready.then((ok) => {
        if (ok)
          this.log.info(
            { session: `${w.namespace}/${w.session}`, kind: w.kind, address: `${w.ip}:${String(w.port)}` },
            'session answers',
          );
      });
      return started;
    })().catch((err: unknown) => {
      this.log.error({ pod: w.key, err: (err as Error).message }, 'cannot start the session');
      giveUp();
      return undefined;
    });
    this.running.set(w.key, entry);
  }

  private async stopOne(key: string): Promise<void> {
    const r = this.running.get(key);
    this.running.delete(key);
    const unit = await r?.unit;
    if (!unit) return;
    this.log.info({ pod: key }, 'stopping the session processes');
    await unit.stop();
  }

  private async secretValue(w: SessionWorkload): Promise<string | undefined> {
    const ref = w.kind === 'jupyter' ? w.token : w.password;
    try {
      const secret = await this.manager.client.get<Secret>(objectPath(Secrets, w.namespace, ref.name));
      const value = secret.data?.[ref.key];
      if (value === undefined) throw new Error(`the Secret has no key ${ref.key}`);
      const text = Buffer.from(value, 'base64').toString();
      if (w.kind !== 'desktop' || !w.guest) return text;
      // A VM guest: its desktop reads the password cloud-init wrote, as the guest would.
      const password = guestVncPassword(text);
      if (!password.ok) throw new Error(password.why);
      return password.value;
    } catch (err) {
      this.log.warn(
        { pod: w.key, secret: ref.name, err: (err as Error).message },
        'cannot read the session Secret yet',
      );
      return undefined;
    }
  }

  /** Stops every session's processes (the runner is leaving). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.scheduled);
    await this.passing;
    await Promise.all([...this.running.keys()].map((key) => this.stopOne(key)));
  }
}
