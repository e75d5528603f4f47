// Connection tickets: short-lived (redeemed within 60 s), single-use, HMAC-signed, bound to one
// session (by UID), one user and one protocol. Issued only to a user who may connect to the session
// now, and checked again at redeem time against the live session.
import { randomBytes } from 'node:crypto';
import type { AnalysisSession } from '../../crds/index.ts';
import { connectionRefusal, type Refusal } from './access-rules.ts';
import { sign, verify, type Keyring } from './signing.ts';

export const TICKET_TTL_MS = 60_000;

export type GatewayProtocol = 'http' | 'vnc';

export interface TicketClaims {
  /** Random; remembered once redeemed, so a ticket opens one connection only. */
  id: string;
  user: string;
  namespace: string;
  name: string;
  uid: string;
  protocol: GatewayProtocol;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; refusal: Refusal };

const refuse = (refusal: Refusal): { ok: false; refusal: Refusal } => ({ ok: false, refusal });

/** A ticket for `user` to open `session` over `protocol`, or why not. */
export function issueTicket(
  keys: Keyring,
  input: { session: AnalysisSession; user: string; protocol: GatewayProtocol; now: number },
): Outcome<{ ticket: string; claims: TicketClaims }> {
  const { session, user, protocol, now } = input;
  const refusal = connectionRefusal(session, user);
  if (refusal) return refuse(refusal);
  const { uid, namespace, name } = session.metadata;
  if (!uid || !namespace) return refuse('the session has no UID or namespace yet');
  const claims: TicketClaims = {
    id: randomBytes(16).toString('base64url'),
    user,
    namespace,
    name,
    uid,
    protocol,
    expiresAt: now + TICKET_TTL_MS,
  };
  return { ok: true, value: { ticket: sign(keys, claims), claims } };
}

function isClaims(value: unknown): value is TicketClaims {
  const c = value as Partial<TicketClaims> | undefined;
  return (
    typeof c === 'object' &&
    typeof c.id === 'string' &&
    typeof c.user === 'string' &&
    typeof c.namespace === 'string' &&
    typeof c.name === 'string' &&
    typeof c.uid === 'string' &&
    (c.protocol === 'http' || c.protocol === 'vnc') &&
    typeof c.expiresAt === 'number'
  );
}

/** Ticket ids already redeemed, each kept until its ticket would have expired anyway. */
export class RedeemedTickets {
  private readonly expiries = new Map<string, number>();

  /** Records the redemption; false if the ticket was redeemed before. */
  redeem(claims: TicketClaims, now: number): boolean {
    this.prune(now);
    if (this.expiries.has(claims.id)) return false;
    this.expiries.set(claims.id, claims.expiresAt);
    return true;
  }

  prune(now: number): void {
    for (const [id, expiresAt] of this.expiries) if (expiresAt <= now) this.expiries.delete(id);
  }

  get size(): number {
    return this.expiries.size;
  }
}

/**
 * Redeems `ticket` for the session at `target` over `protocol`: the signature, the expiry, the
 * session and protocol it names, single use, and then the live session (`lookup`) once more.
 */
export function redeemTicket(input: {
  keys: Keyring;
  ticket: string;
  target: { namespace: string; name: string; protocol: GatewayProtocol };
  redeemed: RedeemedTickets;
  lookup: (namespace: string, name: string) => AnalysisSession | undefined;
  now: number;
}): Outcome<TicketClaims> {
  const claims = verify(input.keys, input.ticket);
  if (!isClaims(claims)) return refuse('the link is not valid: ask for a new one');
  if (claims.expiresAt <= input.now)
    return refuse('the link has expired (links work for 60 s): ask for a new one');
  const { target } = input;
  if (claims.namespace !== target.namespace || claims.name !== target.name) {
    return refuse('the link is for another session');
  }
  if (claims.protocol !== target.protocol) return refuse(`the link is not for ${target.protocol} access`);
  if (!input.redeemed.redeem(claims, input.now))
    return refuse('the link was already used: ask for a new one');
  const refusal = connectionRefusal(input.lookup(claims.namespace, claims.name), claims.user, claims.uid);
  return refusal ? refuse(refusal) : { ok: true, value: claims };
}
