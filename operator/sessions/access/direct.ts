// Direct access: the endpoint is the workload's own address and port (for http, a URL under the
// image's base path). Nothing is registered anywhere, so there is nothing to release. The gateway and
// Guacamole providers build on this endpoint.
import { sessionBasePath } from '../names.ts';
import type { AccessProvider } from './types.ts';

export const directAccess: AccessProvider = {
  name: 'direct',
  serves: () => true,
  ensure({ session, image, address, credentialsSecretName }) {
    const access = image.spec.access;
    const basePath = sessionBasePath(session, image);
    return Promise.resolve({
      verdict: { type: 'AccessReady', status: 'True', reason: 'EndpointReady', message: 'ready to connect' },
      endpoint: {
        protocol: access.protocol,
        host: address,
        port: access.port,
        credentialsSecretName,
        ...(access.protocol === 'http' ? { url: `http://${address}:${String(access.port)}${basePath}` } : {}),
      },
    });
  },
  release: () => Promise.resolve(undefined),
};
