// The site's settings, one ConfigMap both components read as environment variables (each flag of
// `npm run operator -- --help` and `npm run gateway -- --help` has its variable). A site edits it in
// its kustomize overlay; the defaults here are placeholders that make the operator's data paths
// explicit.
import { componentLabels, GUACAMOLE_SECRET, SITE_CONFIG, SYSTEM_NAMESPACE } from './names.ts';

export const SITE_SETTINGS: Record<string, string> = {
  DAAS_NFS_SERVER: 'nfs.facility.example',
  DAAS_DATA_PROPOSAL_PATH: '/data/proposals/{proposal}',
  DAAS_DATA_PROCESSED_PATH: '/data/processed/{proposal}',
  DAAS_DATA_HOME_PATH: '',
  // The dashboard and the gateway on two origins, so code in a notebook cannot act on dashboard pages.
  DAAS_DASHBOARD_PUBLIC_URL: 'https://daas.facility.example/',
  DAAS_GATEWAY_PUBLIC_URL: 'https://sessions.daas.facility.example/',
  // The dashboard's OpenID Connect sign-in: empty issuer, off (sign-in through the authenticating
  // proxy). Set, with the Secret daas-dashboard-oidc (key client-secret): sign-in at the provider.
  // The claims and prefixes must be the API server's --oidc-username-claim/-prefix and
  // --oidc-groups-claim/-prefix (- means no prefix): RBAC bindings name those users and groups.
  DAAS_DASHBOARD_OIDC_ISSUER: '',
  DAAS_DASHBOARD_OIDC_CLIENT_ID: 'daas-dashboard',
  DAAS_DASHBOARD_OIDC_SCOPES: 'openid,profile,email',
  DAAS_DASHBOARD_OIDC_USERNAME_CLAIM: 'preferred_username',
  DAAS_DASHBOARD_OIDC_USERNAME_PREFIX: '-',
  DAAS_DASHBOARD_OIDC_GROUPS_CLAIM: 'groups',
  DAAS_DASHBOARD_OIDC_GROUPS_PREFIX: '-',
  // The operator's name for the gateway: where sessions are opened, and desktops' activity is read.
  DAAS_GATEWAY_URL: 'https://sessions.daas.facility.example/',
  // Empty: no Guacamole (rdp and ssh sessions show their own address). See docs/guacamole.md.
  DAAS_GUACAMOLE_URL: '',
  DAAS_GUACAMOLE_CREDENTIALS_SECRET: `${SYSTEM_NAMESPACE}/${GUACAMOLE_SECRET}`,
  // What sessions may reach (README "Egress"): DNS, the NFS servers and the outside world, never the
  // cluster's pod and Service ranges (empty: every private range), the API server or link-local.
  DAAS_SESSION_EGRESS: 'internet',
  DAAS_CLUSTER_POD_CIDRS: '',
  DAAS_CLUSTER_SERVICE_CIDRS: '',
  DAAS_API_SERVER_CIDRS: '',
  DAAS_NFS_SERVER_CIDRS: '',
  DAAS_LOG_LEVEL: 'info',
};

export function siteConfigManifests(): Record<string, unknown>[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: SITE_CONFIG, namespace: SYSTEM_NAMESPACE, labels: componentLabels('daas-site-config') },
      data: SITE_SETTINGS,
    },
  ];
}
