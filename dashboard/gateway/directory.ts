// What the gateway knows about sessions: the live AnalysisSession and its image from the runtime's
// watch caches, where its server listens (status.endpoint: pod IP and port, the only place the
// gateway ever connects to) and its credentials, read from the session's Secret by name.
import type { AnalysisSession, SessionImage } from '../../crds/index.ts';
import type { Cache } from '../../runtime/informer.ts';
import { objectPath, Secrets, type Secret } from '../../runtime/resources.ts';
import type { RestClient } from '../../runtime/rest.ts';
import type { GatewayProtocol } from './tickets.ts';

export interface SessionTarget {
  protocol: GatewayProtocol;
  host: string;
  port: number;
  /** For http: the path the session's server is served under (the image's basePath, {session} filled in). */
  basePath: string;
}

export interface SessionSecrets {
  token: string | undefined;
  vncPassword: string | undefined;
}

const SECRET_TTL_MS = 30_000;

export class SessionDirectory {
  private readonly sessions: Cache<AnalysisSession>;
  private readonly images: Cache<SessionImage>;
  private readonly client: RestClient;
  private readonly secrets = new Map<string, { at: number; value: SessionSecrets }>();

  constructor(deps: { sessions: Cache<AnalysisSession>; images: Cache<SessionImage>; client: RestClient }) {
    this.sessions = deps.sessions;
    this.images = deps.images;
    this.client = deps.client;
  }

  session(namespace: string, name: string): AnalysisSession | undefined {
    return this.sessions.get(`${namespace}/${name}`);
  }

  /** Where the session's server listens, for the protocols the gateway serves; undefined otherwise. */
  target(session: AnalysisSession): SessionTarget | undefined {
    const endpoint = session.status?.endpoint;
    if (!endpoint?.host || !endpoint.port) return undefined;
    if (endpoint.protocol !== 'http' && endpoint.protocol !== 'vnc') return undefined;
    const image = this.images.get(session.spec.image);
    // The same rule as the operator's sessionBasePath: {session} and {namespace} filled in.
    const basePath = (image?.spec.access.basePath ?? '/')
      .replaceAll('{session}', session.metadata.name)
      .replaceAll('{namespace}', session.metadata.namespace ?? '');
    return { protocol: endpoint.protocol, host: endpoint.host, port: endpoint.port, basePath };
  }

  /** The session's credentials (cached for 30 s per session UID); throws when the Secret cannot be read. */
  async credentials(session: AnalysisSession): Promise<SessionSecrets> {
    const name = session.status?.endpoint?.credentialsSecretName;
    const namespace = session.metadata.namespace;
    if (!name || !namespace) throw new Error('the session names no credentials Secret');
    const key = `${session.metadata.uid ?? ''}/${namespace}/${name}`;
    const cached = this.secrets.get(key);
    if (cached && Date.now() - cached.at < SECRET_TTL_MS) return cached.value;
    const secret = await this.client.get<Secret>(objectPath(Secrets, namespace, name));
    const decode = (field: string) => {
      const value = secret.data?.[field];
      return value ? Buffer.from(value, 'base64').toString('utf8') : undefined;
    };
    // The keys the operator writes (operator/sessions/credentials.ts).
    const value = { token: decode('token'), vncPassword: decode('password') };
    for (const [k, v] of this.secrets) if (Date.now() - v.at >= SECRET_TTL_MS) this.secrets.delete(k);
    this.secrets.set(key, { at: Date.now(), value });
    return value;
  }
}
