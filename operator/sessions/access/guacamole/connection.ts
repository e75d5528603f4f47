// What the operator wants registered in Apache Guacamole for one session: the connection group of
// its proposal, the connection (name, protocol, parameters), and who may read it. Pure, so drift is
// a comparison of two plain objects.
import type { AnalysisSession, SessionImage } from '../../../../crds/index.ts';
import type { SessionCredentials } from '../../credentials.ts';
import type { GuacamoleConnection } from './requests.ts';

/** Parameters the operator sets itself; an image cannot override them. */
const OPERATOR_PARAMETERS = new Set(['hostname', 'port', 'username', 'password']);

/**
 * Defaults per protocol before the image's own parameters. A session's RDP server presents a
 * self-signed certificate that no CA vouches for, and the network path is the cluster's, so
 * Guacamole is told to accept it and to negotiate the security mode.
 */
const PROTOCOL_DEFAULTS: Record<string, Record<string, string>> = {
  rdp: { security: 'any', 'ignore-cert': 'true' },
  ssh: {},
  vnc: {},
};

/** The connection group of a proposal, under ROOT. */
export function groupName(proposal: string): string {
  return `Proposal ${proposal}`;
}

/** The connection's name in its proposal's group: the session's name (unique in its namespace). */
export function connectionName(session: AnalysisSession): string {
  return session.metadata.name;
}

/** The users who get READ: the owner and every sharedWith user, sorted, once each. */
export function readers(session: AnalysisSession): string[] {
  return [...new Set([session.spec.owner, ...(session.spec.sharedWith ?? [])])].sort();
}

export interface DesiredInput {
  session: AnalysisSession;
  image: SessionImage;
  /** The workload's address (pod IP, VM address) and the image's port. */
  address: string;
  /** The account the workload made for the user (a VM's guest user). */
  login?: string | undefined;
  /** The credentials the running workload uses. */
  credentials?: SessionCredentials | undefined;
  groupId: string;
}

/** The connection's parameters: the image's extras, then the operator's own (which win). */
export function connectionParameters(i: Omit<DesiredInput, 'groupId'>): Record<string, string> {
  const access = i.image.spec.access;
  const extra = Object.fromEntries(
    Object.entries(access.guacamole?.parameters ?? {}).filter(([k]) => !OPERATOR_PARAMETERS.has(k)),
  );
  const own: Record<string, string> = { hostname: i.address, port: String(access.port) };
  if (access.protocol === 'vnc') {
    if (i.credentials?.vncPassword) own.password = i.credentials.vncPassword;
  } else {
    // The image's account wins (an admin named it); else the one the workload made; else the owner.
    own.username = access.guacamole?.username ?? i.login ?? i.session.spec.owner;
    if (i.credentials?.token) own.password = i.credentials.token;
  }
  return { ...(PROTOCOL_DEFAULTS[access.protocol] ?? {}), ...extra, ...own };
}

export function desiredConnection(i: DesiredInput): GuacamoleConnection {
  return {
    parentIdentifier: i.groupId,
    name: connectionName(i.session),
    protocol: i.image.spec.access.protocol,
    parameters: connectionParameters(i),
    attributes: {},
  };
}

/**
 * What differs between the live connection (GET without parameters, then its parameters) and the
 * desired one: the names of the fields, without values (the password is one of them).
 */
export function connectionDrift(
  desired: GuacamoleConnection,
  live: Pick<GuacamoleConnection, 'name' | 'parentIdentifier' | 'protocol'>,
  liveParameters: Record<string, string>,
): string[] {
  const drift: string[] = [];
  for (const f of ['name', 'parentIdentifier', 'protocol'] as const)
    if (desired[f] !== live[f]) drift.push(f);
  const keys = new Set([...Object.keys(desired.parameters), ...Object.keys(liveParameters)]);
  for (const k of [...keys].sort()) {
    // Guacamole may list parameters it knows with an empty value; empty equals absent.
    if ((desired.parameters[k] ?? '') !== (liveParameters[k] ?? '')) drift.push(`parameters.${k}`);
  }
  return drift;
}
