// A demo portal for `npm start`, until the dashboard gives users their links: it gets a token of its
// ServiceAccount (TokenRequest, as a pod's projected token would be) and asks the gateway's ticket
// API for a link for a user, which the gateway grants only if RBAC lets the portal impersonate that
// user (SubjectAccessReview) and the user owns the session or is in its sharedWith.
import { AnalysisSessions } from '../../operator/api.ts';
import { loadKubeConfig } from '../../runtime/app.ts';
import { objectPath } from '../../runtime/resources.ts';
import { RestClient } from '../../runtime/rest.ts';

export const SYSTEM_NAMESPACE = 'daas-system';
export const DEMO_PORTAL = 'daas-demo-portal';
export const OPERATOR_ACCOUNT = 'daas-operator';

/** A token of `account` in daas-system from the TokenRequest API, valid `seconds`. */
export async function serviceAccountToken(
  client: RestClient,
  account: string,
  seconds: number,
): Promise<string> {
  const answer = await client.request<{ status?: { token?: string } }>(
    'POST',
    `/api/v1/namespaces/${SYSTEM_NAMESPACE}/serviceaccounts/${account}/token`,
    {
      body: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: seconds },
      },
    },
  );
  const token = answer.status?.token;
  if (!token) throw new Error(`the API server gave no token for ${SYSTEM_NAMESPACE}/${account}`);
  return token;
}

export interface TicketRequest {
  kubeconfig: string;
  /** The gateway's public URL, e.g. http://127.0.0.1:8090/ */
  gatewayUrl: string;
  namespace: string;
  name: string;
  /** The user to open it as; the session's owner when not given. */
  user?: string;
}

export interface Ticket {
  url: string;
  expiresAt: string;
  user: string;
}

/** Asks the gateway for a link, as the demo portal acting for the user; throws with the gateway's reason. */
export async function requestTicket(r: TicketRequest): Promise<Ticket> {
  const admin = new RestClient(loadKubeConfig(r.kubeconfig));
  const user =
    r.user ??
    (await admin.get<{ spec: { owner: string } }>(objectPath(AnalysisSessions, r.namespace, r.name))).spec
      .owner;
  const token = await serviceAccountToken(admin, DEMO_PORTAL, 600);
  const res = await fetch(new URL('tickets', r.gatewayUrl), {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ namespace: r.namespace, name: r.name, user }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.json()) as { url?: string; expiresAt?: string; message?: string };
  if (res.status !== 201 || !body.url)
    throw new Error(`the gateway refused (${String(res.status)}): ${body.message ?? 'no reason given'}`);
  return { url: body.url, expiresAt: body.expiresAt ?? '', user };
}
