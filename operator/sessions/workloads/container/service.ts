// The session's Service: a stable in-cluster name for the access port (the gateway may also dial the
// pod IP directly).
import type { V1Service } from '@kubernetes/client-node';
import { childName, sessionLabels, sessionSelector } from '../../names.ts';
import type { BuildInput } from '../../types.ts';

export function generateService(input: BuildInput): V1Service {
  const { session, namespace, image } = input;
  const { protocol, port } = image.spec.access;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: childName(session.metadata.name),
      namespace: namespace.name,
      labels: sessionLabels(session),
    },
    spec: {
      type: 'ClusterIP',
      selector: sessionSelector(session.metadata.name),
      ports: [{ name: protocol, port, targetPort: port, protocol: 'TCP' }],
    },
  };
}
