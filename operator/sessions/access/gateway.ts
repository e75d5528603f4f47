// Gateway access: for http and vnc images, status.endpoint.url is the session's page on the gateway
// (/sessions/<namespace>/<name>/ under its public URL), which lets a user in with a ticket. The
// operator's own activity probe keeps reaching the pod directly (the `internal` endpoint).
import type { SessionImage } from '../../../crds/index.ts';
import { directAccess } from './direct.ts';
import type { AccessProvider } from './types.ts';

const GATEWAY_PROTOCOLS = new Set(['http', 'vnc']);

/** The gateway's URL for a session; `publicUrl` is the gateway's base URL (ending in /). */
export function gatewaySessionUrl(publicUrl: string, namespace: string, name: string): string {
  return new URL(`sessions/${namespace}/${name}/`, publicUrl).toString();
}

export function gatewayAccess(publicUrl: string): AccessProvider {
  return {
    name: 'gateway',
    serves: (image: SessionImage) => GATEWAY_PROTOCOLS.has(image.spec.access.protocol),
    async ensure(input) {
      const direct = await directAccess.ensure(input);
      if (!direct.endpoint) return direct;
      const { namespace = '', name } = input.session.metadata;
      return {
        verdict: direct.verdict,
        endpoint: { ...direct.endpoint, url: gatewaySessionUrl(publicUrl, namespace, name) },
        internal: direct.endpoint,
      };
    },
    release: () => Promise.resolve(undefined),
  };
}
