// Everything a site applies, in apply order, rendered into deploy/install.yaml: the API (CRDs,
// admission policies, user roles), the daas-system namespace, the site settings, the operator and the
// dashboard. Argo CD sync waves put the API first, so objects that use it never wait on it.
import { ApiObject, App, Chart } from 'cdk8s';
import { synthAdmissionPolicies, synthCrds, synthUserRoles } from '../crds-chart.ts';
import { dashboardManifests } from './dashboard.ts';
import { SYSTEM_NAMESPACE } from './names.ts';
import { operatorManifests } from './operator.ts';
import { poolManifests, poolNamespace } from './pool.ts';
import { proposalAccessManifests } from './proposal-access.ts';
import { siteConfigManifests } from './site-config.ts';

type Manifest = Record<string, unknown> & { kind: string; metadata: { name: string; annotations?: object } };

function inWave(wave: number, objects: Record<string, unknown>[]): Manifest[] {
  return objects.map((object) => {
    const manifest = object as Manifest;
    const annotations = { ...manifest.metadata.annotations, 'argocd.argoproj.io/sync-wave': String(wave) };
    return { ...manifest, metadata: { ...manifest.metadata, annotations } };
  });
}

const systemNamespace = {
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: {
    name: SYSTEM_NAMESPACE,
    // The components run as non-root with every capability dropped: the namespace enforces it.
    labels: {
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/enforce-version': 'latest',
    },
  },
};

/** Every object of deploy/install.yaml, in order. */
export function installManifests(): Manifest[] {
  return [
    ...inWave(-2, synthCrds()),
    ...inWave(-1, [...synthAdmissionPolicies(), ...synthUserRoles(), systemNamespace, poolNamespace]),
    ...inWave(0, [
      ...siteConfigManifests(),
      ...proposalAccessManifests(),
      ...operatorManifests(),
      ...poolManifests(),
      ...dashboardManifests(),
    ]),
  ];
}

class InstallChart extends Chart {
  constructor(app: App) {
    super(app, 'install', { disableResourceNameHashes: true });
    for (const manifest of installManifests()) {
      new ApiObject(this, `${manifest.kind}-${manifest.metadata.name}`, manifest as never);
    }
  }
}

/** deploy/install.yaml's objects through cdk8s (which orders keys and validates the shapes). */
export function synthInstall(): Record<string, unknown>[] {
  return new InstallChart(new App()).toJson() as Record<string, unknown>[];
}
