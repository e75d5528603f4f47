// Tickets: who gets one, and every way redeeming one is refused, with the message the user sees.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AnalysisSession } from '../../crds/index.ts';
import { sign, type Keyring } from './signing.ts';
import { issueTicket, redeemTicket, RedeemedTickets, TICKET_TTL_MS, type TicketClaims } from './tickets.ts';

const key = () => randomBytes(32);
const keys: Keyring = { primary: key() };
const NOW = Date.parse('2026-06-01T10:00:00Z');

function session(overrides: { spec?: object; status?: object; uid?: string } = {}): AnalysisSession {
  return {
    apiVersion: 'daas.calipsoplus.eu/v1alpha1',
    kind: 'AnalysisSession',
    metadata: { name: 'quick-look', namespace: 'proposal-mx-2451', uid: overrides.uid ?? 'uid-1' },
    spec: {
      image: 'jupyter',
      owner: 'akowalska',
      proposal: 'MX-2451',
      sharedWith: ['mkowalski'],
      ...overrides.spec,
    },
    status: {
      phase: 'Running',
      endpoint: { protocol: 'http', host: '127.8.0.5', port: 8888 },
      ...overrides.status,
    },
  } as AnalysisSession;
}

const target = { namespace: 'proposal-mx-2451', name: 'quick-look', protocol: 'http' as const };

function issue(user = 'akowalska', s = session()) {
  const out = issueTicket(keys, { session: s, user, protocol: 'http', now: NOW });
  if (!out.ok) throw new Error(out.refusal);
  return out.value;
}

function redeem(
  ticket: string,
  opts: {
    live?: AnalysisSession;
    now?: number;
    redeemed?: RedeemedTickets;
    keyring?: Keyring;
    to?: typeof target;
  } = {},
) {
  return redeemTicket({
    keys: opts.keyring ?? keys,
    ticket,
    target: opts.to ?? target,
    redeemed: opts.redeemed ?? new RedeemedTickets(),
    lookup: () => ('live' in opts ? opts.live : session()),
    now: opts.now ?? NOW + 1000,
  });
}

describe('issuing', () => {
  it('gives the owner and a sharedWith user a ticket bound to the session UID, user and protocol', () => {
    const { claims } = issue('mkowalski');
    expect(claims).toMatchObject({ user: 'mkowalski', uid: 'uid-1', protocol: 'http', name: 'quick-look' });
    expect(claims.expiresAt - NOW).toBe(TICKET_TTL_MS);
    expect(issue('akowalska').claims.id).not.toBe(claims.id);
  });

  it('refuses anyone else, and sessions that do not run', () => {
    expect(issueTicket(keys, { session: session(), user: 'mallory', protocol: 'http', now: NOW })).toEqual({
      ok: false,
      refusal: 'the session is not shared with mallory',
    });
    const stopped = session({ spec: { state: 'Stopped' }, status: { phase: 'Stopped' } });
    expect(
      issueTicket(keys, { session: stopped, user: 'akowalska', protocol: 'http', now: NOW }),
    ).toMatchObject({
      ok: false,
      refusal: expect.stringContaining('stopped') as string,
    });
  });
});

describe('redeeming', () => {
  it('lets the user in once', () => {
    const { ticket } = issue();
    const redeemed = new RedeemedTickets();
    expect(redeem(ticket, { redeemed })).toMatchObject({ ok: true, value: { user: 'akowalska' } });
    expect(redeem(ticket, { redeemed })).toEqual({
      ok: false,
      refusal: 'the link was already used: ask for a new one',
    });
  });

  it('refuses a ticket after 60 s, and forgets redeemed ids once they would have expired', () => {
    const { ticket } = issue();
    expect(redeem(ticket, { now: NOW + TICKET_TTL_MS })).toMatchObject({
      ok: false,
      refusal: expect.stringContaining('expired') as string,
    });
    const redeemed = new RedeemedTickets();
    redeem(ticket, { redeemed });
    expect(redeemed.size).toBe(1);
    redeemed.prune(NOW + TICKET_TTL_MS);
    expect(redeemed.size).toBe(0);
  });

  it('refuses a forged, altered or foreign-key ticket', () => {
    const { ticket, claims } = issue();
    const forged = sign({ primary: key() }, { ...claims, user: 'mallory' });
    expect(redeem(forged)).toMatchObject({ ok: false, refusal: 'the link is not valid: ask for a new one' });
    const [body = '', sig = ''] = ticket.split('.');
    const altered = Buffer.from(
      JSON.stringify({ ...claims, user: 'mallory' } satisfies TicketClaims),
    ).toString('base64url');
    expect(redeem(`${altered}.${sig}`)).toMatchObject({ ok: false });
    expect(redeem(`${body}.`)).toMatchObject({ ok: false });
    expect(redeem('garbage')).toMatchObject({ ok: false });
  });

  it('accepts tickets signed with the previous key during a rotation, and no longer after it', () => {
    const { ticket } = issue();
    const rotated: Keyring = { primary: key(), secondary: keys.primary };
    expect(redeem(ticket, { keyring: rotated })).toMatchObject({ ok: true });
    expect(redeem(ticket, { keyring: { primary: key(), secondary: key() } })).toMatchObject({ ok: false });
  });

  it('refuses a ticket for another session or another protocol', () => {
    const { ticket } = issue();
    expect(redeem(ticket, { to: { ...target, name: 'other' } })).toMatchObject({
      refusal: 'the link is for another session',
    });
    expect(redeem(ticket, { to: { ...target, protocol: 'vnc' } as unknown as typeof target })).toMatchObject({
      refusal: 'the link is not for vnc access',
    });
  });

  it('checks the live session: stopped, expired, deleted, re-created or no longer shared', () => {
    const cases: [AnalysisSession | undefined, RegExp][] = [
      [session({ spec: { state: 'Stopped' } }), /stopped/],
      [session({ status: { phase: 'Expired' } }), /expired/],
      [undefined, /does not exist/],
      [session({ uid: 'uid-2' }), /deleted and created again/],
    ];
    for (const [live, message] of cases) {
      expect(redeem(issue().ticket, { live })).toMatchObject({
        ok: false,
        refusal: expect.stringMatching(message) as string,
      });
    }
    const shared = issue('mkowalski').ticket;
    expect(redeem(shared, { live: session({ spec: { sharedWith: [] } }) })).toMatchObject({
      refusal: 'the session is not shared with mkowalski',
    });
  });
});
