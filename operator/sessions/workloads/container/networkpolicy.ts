// Only the gateway/dashboard (and, for Jupyter idle probes, the operator) may reach a session, and only
// on its image's access port; sessions reach what the site's egress choice allows (egress.ts: by
// default DNS, the NFS servers and the outside world, never the cluster, its API or cloud metadata).
// One policy per image and proposal namespace serves every session of that image there (created by
// the first, owned by none), so a session costs no policy write of its own.
import type {
  V1NetworkPolicy,
  V1NetworkPolicyIngressRule,
  V1NetworkPolicyPeer,
} from '@kubernetes/client-node';
import { APP_MANAGED_BY_LABEL, APP_NAME_LABEL, IMAGE_LABEL } from '../../../../crds/index.ts';
import { boundedDnsName, labelValue } from '../../names.ts';
import type { BuildInput } from '../../types.ts';
import { egressRules } from './egress.ts';

const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

function peer(target: { namespace: string; podLabels: Record<string, string> }): V1NetworkPolicyPeer {
  // One peer with both selectors: pods matching the labels AND in that namespace.
  return {
    namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: target.namespace } },
    podSelector: { matchLabels: { ...target.podLabels } },
  };
}

/**
 * client-node's model calls the field `_from` (its typed API renames it on the wire); the reconciler
 * server-side applies plain JSON, so this builds the wire form `from`.
 */
function wireIngressRule(from: V1NetworkPolicyPeer[], port: number): V1NetworkPolicyIngressRule {
  const rule = { from, ports: [{ protocol: 'TCP', port }] };
  return rule; // not a fresh literal, so TypeScript allows the wire name
}

/** The pods of an image's sessions in a namespace, and the label set of its policy. */
export function imageSessionSelector(imageName: string): Record<string, string> {
  return { [APP_NAME_LABEL]: 'daas-session', [IMAGE_LABEL]: labelValue(imageName) };
}

export function generateNetworkPolicy(input: BuildInput): V1NetworkPolicy {
  const { namespace, image, config } = input;
  const from = [peer(config.gateway)];
  if (config.activityProbe && image.spec.activity?.signal === 'jupyter')
    from.push(peer(config.activityProbe));
  const egress = egressRules(config.egress);
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: {
      name: boundedDnsName('daas-image-', image.metadata.name),
      namespace: namespace.name,
      labels: { ...imageSessionSelector(image.metadata.name), [APP_MANAGED_BY_LABEL]: 'daas-operator' },
    },
    spec: {
      podSelector: { matchLabels: imageSessionSelector(image.metadata.name) },
      policyTypes: egress ? ['Ingress', 'Egress'] : ['Ingress'],
      ingress: [wireIngressRule(from, image.spec.access.port)],
      ...(egress ? { egress } : {}),
    },
  };
}
