// The Guacamole access provider: for rdp and ssh images (and vnc where the image or the site asks),
// registers the session's connection in Apache Guacamole (in a connection group per proposal, READ
// for the owner and every sharedWith user), keeps it as wanted (Guacamole has no watch: a bounded
// re-check per session), publishes the Guacamole client link, and removes the connection when the
// session stops, expires or is deleted. Credentials go to Guacamole only: never to status, events or logs.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { GUACAMOLE_FINALIZER, type AnalysisSession, type SessionImage } from '../../../../crds/index.ts';
import type { ActivityProbe } from '../../activity/jupyter.ts';
import type { SessionEvent } from '../../status.ts';
import type { AccessInput, AccessOutcome, AccessProvider, ReleaseOutcome } from '../types.ts';
import { GuacamoleApiError, isNotFound, type GuacamoleClient } from './client.ts';
import { connectionDrift, connectionName, desiredConnection, groupName, readers } from './connection.ts';
import { retryDelayMs } from './retry.ts';
import {
  clientLink,
  connectionParametersRequest,
  createConnectionRequest,
  createGroupRequest,
  deleteConnectionRequest,
  getConnectionRequest,
  grantReadRequest,
  groupTreeRequest,
  listGroupsRequest,
  ROOT_GROUP,
  updateConnectionRequest,
  type GuacamoleConnection,
  type GuacamoleConnectionGroup,
} from './requests.ts';

export interface GuacamoleAccessOptions {
  client: GuacamoleClient;
  /** The web application's public base URL (ending in /): the client link is built on it. */
  url: string;
  dataSource: string;
  /** Whether vnc images go through Guacamole too (otherwise only those with access.guacamole). */
  vnc: boolean;
  /** How often a connection is compared with Guacamole's copy while nothing changes. */
  recheckIntervalMs: number;
  /** How long a deleted session waits for Guacamole before its finalizer is removed anyway. */
  releaseTimeoutMs: number;
  log: Logger;
  now?: () => number;
}

/** What the provider last confirmed in Guacamole for a session (by UID). */
interface Confirmed {
  at: number;
  /** A hash of what was wanted then (address, credentials, users...): a change means a new check now. */
  wanted: string;
  connectionId: string;
  users: string[];
  missingUsers: string[];
}

interface Failing {
  attempts: number;
  retryAt: Date;
  message: string;
}

const GUACAMOLE_PROTOCOLS = new Set(['rdp', 'ssh']);

function unavailable(f: Failing): AccessOutcome {
  return {
    verdict: {
      type: 'AccessReady',
      status: 'False',
      reason: 'GuacamoleUnavailable',
      message: `Apache Guacamole cannot register the connection (${f.message}): the session runs, and the operator tries again at ${f.retryAt.toISOString()}.`,
    },
    retryAt: f.retryAt,
  };
}

export class GuacamoleAccess implements AccessProvider {
  readonly name = 'guacamole';
  readonly finalizer = GUACAMOLE_FINALIZER;
  readonly releaseTimeoutMs: number;
  private readonly o: GuacamoleAccessOptions;
  private readonly now: () => number;
  private readonly confirmed = new Map<string, Confirmed>();
  /**
   * Per session, the failures in a row, when to try again and why it failed: until then a pass (its
   * own status write wakes one) answers the same without a request, so an outage is no loop.
   */
  private readonly failing = new Map<string, Failing>();
  /** Proposal → connection group identifier, once found or created. */
  private readonly groups = new Map<string, string>();
  /** Connection → when this process first saw it registered (activity's floor: a restart counts as use). */
  private readonly watchedSince = new Map<string, number>();

  constructor(o: GuacamoleAccessOptions) {
    this.o = o;
    this.now = o.now ?? Date.now;
    this.releaseTimeoutMs = o.releaseTimeoutMs;
  }

  serves(image: SessionImage): boolean {
    const { protocol, guacamole } = image.spec.access;
    return (
      GUACAMOLE_PROTOCOLS.has(protocol) || (protocol === 'vnc' && (this.o.vnc || guacamole !== undefined))
    );
  }

  async ensure(input: AccessInput): Promise<AccessOutcome> {
    const uid = uidOf(input.session);
    const wanted = wantedHash(input);
    const known = this.confirmed.get(uid);
    const now = this.now();
    if (known && known.wanted === wanted && now - known.at < this.o.recheckIntervalMs)
      return this.ready(input, known, [], new Date(known.at + this.o.recheckIntervalMs));
    const waiting = this.failing.get(uid);
    if (waiting && now < waiting.retryAt.getTime()) return unavailable(waiting);
    try {
      const { confirmed, events } = await this.register(input, known, wanted);
      this.confirmed.set(uid, confirmed);
      if (!this.watchedSince.has(confirmed.connectionId)) this.watchedSince.set(confirmed.connectionId, now);
      this.failing.delete(uid);
      return this.ready(input, confirmed, events, new Date(now + this.o.recheckIntervalMs));
    } catch (err) {
      const failing = this.failed(uid, err);
      this.o.log.warn(
        { session: keyOf(input.session), err: failing.message, retryInMs: failing.retryAt.getTime() - now },
        'Guacamole: cannot register the connection',
      );
      return unavailable(failing);
    }
  }

  /**
   * The `connections` activity signal of a session opened through Guacamole: Guacamole's count of
   * active connections (its REST API shows connections, not input, so an open connection counts as
   * use). Nobody connected: the last use stays what the operator recorded, at least when this
   * process first saw the connection. Never throws; a failure says nothing about idleness.
   */
  async activity(connectionId: string): Promise<ActivityProbe> {
    try {
      const c = await this.o.client.send<{ activeConnections?: number }>(
        getConnectionRequest(this.o.dataSource, connectionId),
      );
      const connections = typeof c.activeConnections === 'number' ? c.activeConnections : 0;
      const since = this.watchedSince.get(connectionId) ?? this.now();
      this.watchedSince.set(connectionId, since);
      return { ok: true, lastActivity: new Date(since), connections, kernels: 0 };
    } catch (err) {
      return { ok: false, error: `Guacamole: ${reasonOf(err)}` };
    }
  }

  async release(session: AnalysisSession): Promise<ReleaseOutcome> {
    const uid = uidOf(session);
    const id = this.confirmed.get(uid)?.connectionId ?? session.status?.guacamole?.connectionId;
    const what = `connection ${id ?? '(not recorded)'}`;
    const waiting = this.failing.get(uid);
    if (waiting && this.now() < waiting.retryAt.getTime())
      return { released: false, retryAt: waiting.retryAt, message: `${what}: ${waiting.message}` };
    try {
      if (id !== undefined) {
        await this.o.client.send(deleteConnectionRequest(this.o.dataSource, id)).catch(ignoreNotFound);
      } else {
        // The identifier was never recorded (a create whose answer was lost): find it by name.
        const found = await this.findByName(session, false);
        if (found?.identifier)
          await this.o.client
            .send(deleteConnectionRequest(this.o.dataSource, found.identifier))
            .catch(ignoreNotFound);
      }
      this.confirmed.delete(uid);
      this.failing.delete(uid);
      if (id !== undefined) this.watchedSince.delete(id);
      return { released: true, status: { guacamole: undefined } };
    } catch (err) {
      const { retryAt, message } = this.failed(uid, err);
      this.o.log.warn({ session: keyOf(session), err: message }, 'Guacamole: cannot remove the connection');
      return { released: false, retryAt, message: `${what}: ${message}` };
    }
  }

  /** A failure: the next try after a growing delay. */
  private failed(uid: string, err: unknown): Failing {
    const attempts = (this.failing.get(uid)?.attempts ?? 0) + 1;
    const failing = {
      attempts,
      retryAt: new Date(this.now() + retryDelayMs(attempts)),
      message: reasonOf(err),
    };
    this.failing.set(uid, failing);
    return failing;
  }

  private ready(input: AccessInput, c: Confirmed, events: SessionEvent[], retryAt: Date): AccessOutcome {
    const { image, address, credentialsSecretName } = input;
    const missing = c.missingUsers.length
      ? ` Guacamole has no account for ${c.missingUsers.join(', ')} yet: they get access once it exists (checked every ${String(Math.round(this.o.recheckIntervalMs / 1000))} s).`
      : '';
    return {
      verdict: {
        type: 'AccessReady',
        status: 'True',
        reason: 'EndpointReady',
        message: `ready to connect through Apache Guacamole.${missing}`,
      },
      endpoint: {
        protocol: image.spec.access.protocol,
        host: address,
        port: image.spec.access.port,
        credentialsSecretName,
        url: clientLink(this.o.url, c.connectionId, this.o.dataSource),
        guacamoleConnectionId: c.connectionId,
      },
      status: { guacamole: { connectionId: c.connectionId, dataSource: this.o.dataSource, users: c.users } },
      events,
      retryAt,
    };
  }

  /** Creates or corrects the connection and its permissions; what Guacamole holds afterwards. */
  private async register(
    input: AccessInput,
    known: Confirmed | undefined,
    wanted: string,
  ): Promise<{ confirmed: Confirmed; events: SessionEvent[] }> {
    const { session } = input;
    const ds = this.o.dataSource;
    const events: SessionEvent[] = [];
    const recorded = known?.connectionId ?? session.status?.guacamole?.connectionId;
    let id = recorded;
    let live: GuacamoleConnection | undefined;
    if (id !== undefined)
      live = await this.o.client.send<GuacamoleConnection>(getConnectionRequest(ds, id)).catch(orUndefined);
    const groupId =
      live?.parentIdentifier !== undefined && live.parentIdentifier === this.groups.get(session.spec.proposal)
        ? live.parentIdentifier
        : await this.group(session.spec.proposal);
    const desired = desiredConnection({ ...input, groupId });
    if (!live) {
      // Not recorded, or deleted in Guacamole: adopt one of the same name in the group, else create.
      live = await this.findByName(session, true);
      id = live?.identifier;
    }
    if (live && id !== undefined) {
      const parameters = await this.o.client.send<Record<string, string>>(
        connectionParametersRequest(ds, id),
      );
      const drift = connectionDrift(desired, live, parameters);
      if (drift.length) {
        await this.o.client.send(updateConnectionRequest(ds, id, desired));
        if (recorded !== undefined)
          events.push({
            type: 'Normal',
            reason: 'GuacamoleConnectionRestored',
            note: `The Guacamole connection ${id} was edited in Guacamole (${drift.join(', ')}); the operator restored it.`,
          });
      }
    } else {
      id = await this.create(session, desired);
      if (recorded !== undefined)
        events.push({
          type: 'Normal',
          reason: 'GuacamoleConnectionRestored',
          note: `The Guacamole connection ${recorded} was deleted in Guacamole; the operator created it again as ${id}.`,
        });
    }
    const { users, missingUsers } = await this.grant(
      session,
      id,
      groupId,
      known?.users ?? session.status?.guacamole?.users ?? [],
    );
    return { confirmed: { at: this.now(), wanted, connectionId: id, users, missingUsers }, events };
  }

  private async create(session: AnalysisSession, desired: GuacamoleConnection): Promise<string> {
    try {
      const created = await this.o.client.send<GuacamoleConnection>(
        createConnectionRequest(this.o.dataSource, desired),
      );
      if (!created.identifier)
        throw new GuacamoleApiError(200, 'BAD_RESPONSE', 'the created connection has no identifier');
      return created.identifier;
    } catch (err) {
      // Another pass created it in between (400 "already exists"): take that one.
      if (!(err instanceof GuacamoleApiError) || err.status !== 400) throw err;
      const found = await this.findByName(session, true);
      if (!found?.identifier) throw err;
      await this.o.client.send(updateConnectionRequest(this.o.dataSource, found.identifier, desired));
      return found.identifier;
    }
  }

  /**
   * READ on the connection and its group for the owner and every sharedWith user (idempotent), and
   * removed from users no longer listed. A user Guacamole does not know answers 404: skipped, and
   * tried again at the next check (accounts of single sign-on users appear at their first login).
   */
  private async grant(session: AnalysisSession, id: string, groupId: string, before: readonly string[]) {
    const ds = this.o.dataSource;
    const users = readers(session);
    const missingUsers: string[] = [];
    for (const user of users) {
      await this.o.client.send(grantReadRequest(ds, user, id, groupId)).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
        missingUsers.push(user);
      });
    }
    for (const user of before.filter((u) => !users.includes(u))) {
      // The group's READ stays: other sessions of the proposal may be shared with the same user.
      await this.o.client.send(grantReadRequest(ds, user, id, undefined, 'remove')).catch(ignoreNotFound);
    }
    return { users, missingUsers };
  }

  /** The proposal's connection group under ROOT: found by name, else created. */
  private async group(proposal: string): Promise<string> {
    const ds = this.o.dataSource;
    const name = groupName(proposal);
    const find = async () => {
      const all = await this.o.client.send<Record<string, GuacamoleConnectionGroup>>(listGroupsRequest(ds));
      return Object.values(all).find((g) => g.name === name && g.parentIdentifier === ROOT_GROUP)?.identifier;
    };
    let id = await find();
    if (id === undefined) {
      const group: GuacamoleConnectionGroup = {
        parentIdentifier: ROOT_GROUP,
        name,
        type: 'ORGANIZATIONAL',
        attributes: {},
      };
      try {
        id = (await this.o.client.send<GuacamoleConnectionGroup>(createGroupRequest(ds, group))).identifier;
      } catch (err) {
        if (!(err instanceof GuacamoleApiError) || err.status !== 400) throw err;
        id = await find();
      }
    }
    if (id === undefined)
      throw new GuacamoleApiError(200, 'BAD_RESPONSE', `the connection group "${name}" has no identifier`);
    this.groups.set(proposal, id);
    return id;
  }

  /** The session's connection in its proposal's group, by name (create: make the group if missing). */
  private async findByName(
    session: AnalysisSession,
    create: boolean,
  ): Promise<GuacamoleConnection | undefined> {
    const proposal = session.spec.proposal;
    let groupId = this.groups.get(proposal);
    if (groupId === undefined && !create) {
      const all = await this.o.client.send<Record<string, GuacamoleConnectionGroup>>(
        listGroupsRequest(this.o.dataSource),
      );
      groupId = Object.values(all).find(
        (g) => g.name === groupName(proposal) && g.parentIdentifier === ROOT_GROUP,
      )?.identifier;
      if (groupId === undefined) return undefined;
    }
    groupId ??= await this.group(proposal);
    const tree = await this.o.client
      .send<GuacamoleConnectionGroup>(groupTreeRequest(this.o.dataSource, groupId))
      .catch(orUndefined);
    if (!tree) {
      // The group itself was deleted in Guacamole (with its connections): the next check makes it again.
      this.groups.delete(proposal);
      return undefined;
    }
    return tree.childConnections?.find((c) => c.name === connectionName(session));
  }
}

function uidOf(session: AnalysisSession): string {
  return session.metadata.uid ?? `${session.metadata.namespace ?? ''}/${session.metadata.name}`;
}

function keyOf(session: AnalysisSession): string {
  return `${session.metadata.namespace ?? ''}/${session.metadata.name}`;
}

/** A hash of everything the connection depends on (the password included, never stored in clear). */
function wantedHash(i: AccessInput): string {
  const { session, image, address, login, credentials } = i;
  return createHash('sha256')
    .update(
      JSON.stringify([
        address,
        login,
        image.spec.access,
        credentials?.token,
        credentials?.vncPassword,
        readers(session),
        session.spec.proposal,
      ]),
    )
    .digest('hex');
}

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function ignoreNotFound(err: unknown): undefined {
  if (isNotFound(err)) return undefined;
  throw err;
}

const orUndefined = ignoreNotFound;
