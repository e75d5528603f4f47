// Names shared by everything rendered into deploy/: the namespace, the components, their labels and
// the container image a site replaces with its own (kustomize `images:`).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const SYSTEM_NAMESPACE = 'daas-system';
/** Where warm pool VMs live (the operator's --warm-pool-namespace default). */
export const POOL_NAMESPACE = 'daas-pool';
export const OPERATOR = 'daas-operator';
export const DASHBOARD = 'daas-dashboard';
/** The ConfigMap of site settings both components read as environment variables. */
export const SITE_CONFIG = 'daas-site-config';
export const TICKET_KEYS_SECRET = 'daas-gateway-ticket-keys';
/** The dashboard's sign-in cookie keys (keys primary, secondary), created by the site. */
export const SESSION_KEYS_SECRET = 'daas-dashboard-session-keys';
/** The dashboard's OpenID Connect client secret (key client-secret), created by a site that uses OIDC. */
export const OIDC_CLIENT_SECRET = 'daas-dashboard-oidc';
/** Guacamole's admin credentials (keys username, password), created by a site that uses Guacamole. */
export const GUACAMOLE_SECRET = 'daas-guacamole-admin';

const version = (JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as {
  version: string;
}).version;
/** A placeholder registry on purpose: every site builds and pushes the image (README, "Install"). */
export const IMAGE = `registry.facility.example/daas-operator:${version}`;

/** The labels of one component's pods; the sessions' NetworkPolicies select the dashboard's. */
export function componentLabels(name: string): Record<string, string> {
  return { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'daas-operator' };
}
