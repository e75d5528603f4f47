// A desktop session as the VNC tests need it: the real operator and gateway on a fresh proposal
// namespace, a vnc SessionImage, one Running session, and a real Xtigervnc at its pod IP with the
// session's password, its root window painted `colour`.
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { GROUP, VERSION } from '../crds/index.ts';
import { installCrds } from '../crds/testing/api-server.ts';
import type { RunningOperator } from '../runtime/app.ts';
import { startTestGateway, untilGatewayServes, type TestGateway } from './gateway.ts';
import { createTestNamespace, testKubeConfig } from './kube.ts';
import { sessionImageObject } from './objects.ts';
import { startTestOperator } from './operator.ts';
import { TestSessions } from './sessions.ts';
import { startVncDesktop, type VncDesktop } from './vnc.ts';

export interface DesktopSession {
  kc: KubeConfig;
  imageName: string;
  namespace: string;
  name: string;
  operator: RunningOperator;
  gateway: TestGateway;
  sessions: TestSessions;
  desktop: VncDesktop;
  /** The session's VNC password (from its Secret), to assert it never reaches a browser. */
  password: string;
  stop(): Promise<void>;
}

export async function startDesktopSession(options: {
  prefix: string;
  owner: string;
  sharedWith?: string[];
  desktopName: string;
  colour: string;
  /** Gateway flags that depend on the test namespace (e.g. --activity-readers). */
  gatewayFlags?: (namespace: string) => string[];
  /** More operator flags (e.g. --gateway-token-file). */
  operatorFlags?: string[];
  /** More SessionImage spec fields (e.g. activity, lifecycle). */
  imageSpec?: Record<string, unknown>;
  /** More fields of the desktop session's spec (e.g. idleTimeout). */
  sessionSpec?: Record<string, unknown>;
}): Promise<DesktopSession> {
  const kc = testKubeConfig();
  await installCrds();
  const proposal = `MX-${String(1000 + Math.floor(Math.random() * 8000))}`;
  const imageName = `t-${options.prefix}-${String(Date.now() % 100000)}`;
  const ns = await createTestNamespace(kc, options.prefix, { 'daas.calipsoplus.eu/proposal': proposal });
  const custom = kc.makeApiClient(CustomObjectsApi);
  await custom.createClusterCustomObject({
    group: GROUP,
    version: VERSION,
    plural: 'sessionimages',
    body: sessionImageObject(imageName, {
      container: { image: 'registry.example/daas/xfce-desktop:1' },
      access: { protocol: 'vnc', port: 5901 },
      ...options.imageSpec,
    }),
  });
  const gateway = await startTestGateway(kc, [ns.name], options.gatewayFlags?.(ns.name));
  const operator = await startTestOperator(
    [ns.name],
    [`--gateway-url=${gateway.origin}/`, ...(options.operatorFlags ?? [])],
  );
  const sessions = new TestSessions(custom, ns.name, { owner: options.owner, proposal });
  const name = 'desktop';
  await sessions.create(name, {
    image: imageName,
    sharedWith: options.sharedWith ?? [],
    ...options.sessionSpec,
  });
  const s = await sessions.until(name, 'Running', (x) => x.status?.phase === 'Running');
  const secret = await kc.makeApiClient(CoreV1Api).readNamespacedSecret({
    name: s.status?.endpoint?.credentialsSecretName ?? '',
    namespace: ns.name,
  });
  const password = Buffer.from(secret.data?.password ?? '', 'base64').toString();
  const desktop = await startVncDesktop({
    ip: s.status?.endpoint?.host ?? '',
    port: 5901,
    password,
    name: options.desktopName,
    colour: options.colour,
  });
  await untilGatewayServes(gateway, options.owner, ns.name, name);
  return {
    kc,
    imageName,
    namespace: ns.name,
    name,
    operator,
    gateway,
    sessions,
    desktop,
    password,
    stop: async () => {
      await gateway.stop();
      await operator.shutdown('test done');
      await desktop.stop();
      await custom
        .deleteClusterCustomObject({
          group: GROUP,
          version: VERSION,
          plural: 'sessionimages',
          name: imageName,
        })
        .catch(() => undefined);
      await ns.remove();
    },
  };
}
