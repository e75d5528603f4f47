// The egress half of the sessions' NetworkPolicy, read back from the real API server as the operator
// wrote it for each --session-egress choice. No CNI runs on the local control plane, so nothing here
// enforces the policy: these tests prove the objects (what a CNI such as Calico or Cilium enforces),
// that a change of the flag reaches existing sessions without restarting them, and that a hand edit
// of the egress rules is undone.
import { randomBytes } from 'node:crypto';
import {
  CoreV1Api,
  CustomObjectsApi,
  NetworkingV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1NetworkPolicy,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUP, VERSION } from '../../../../crds/index.ts';
import { installCrds } from '../../../../crds/testing/api-server.ts';
import type { RunningOperator } from '../../../../runtime/app.ts';
import { createTestNamespace, eventually, testKubeConfig } from '../../../../testing/kube.ts';
import { sessionImageObject } from '../../../../testing/objects.ts';
import { startTestOperator } from '../../../../testing/operator.ts';
import { TestSessions } from '../../../../testing/sessions.ts';
import { loadConfig } from '../../../config.ts';
import { sessionEgress } from './egress-config.ts';
import { egressRules } from './egress.ts';

const suffix = randomBytes(3).toString('hex');
const image = `t-egress-${suffix}`;
const proposal = `EG-${suffix}`;
const policyName = `daas-image-${image}`;
const imageWhere = { group: GROUP, version: VERSION, plural: 'sessionimages' };
/** The local control plane's ranges (tools/controlplane/cluster.ts), as `npm start` passes them. */
const LOCAL = [
  '--cluster-pod-cidrs=127.0.0.0/8',
  '--cluster-service-cidrs=10.0.0.0/16',
  '--api-server-cidrs=127.0.0.1/32',
  '--nfs-server-cidrs=192.0.2.10/32',
];
const json = (x: unknown): unknown => JSON.parse(JSON.stringify(x));

/** The rules the builder makes of these flags (egress.test.ts pins them, rule by rule). */
function rulesFor(flags: string[]): unknown {
  const c = loadConfig(flags, {});
  return json(egressRules(sessionEgress(c, c.nfsServer)));
}

let kc: KubeConfig;
let core: CoreV1Api;
let net: NetworkingV1Api;
let custom: CustomObjectsApi;
let ns: { name: string; remove: () => Promise<void> };
let sessions: TestSessions;
let operator: RunningOperator | undefined;

async function restartOperator(flags: string[]): Promise<void> {
  await operator?.shutdown('flag change');
  operator = await startTestOperator([ns.name], flags);
}

/** The policy once its egress is `egress` (as JSON, so models' renamed fields do not matter). */
async function policyWith(what: string, check: (p: V1NetworkPolicy) => boolean): Promise<V1NetworkPolicy> {
  return eventually(
    `NetworkPolicy ${what}`,
    async () => {
      const p = await net.readNamespacedNetworkPolicy({ name: policyName, namespace: ns.name });
      return check(p) ? p : undefined;
    },
    20_000,
  );
}

async function podUid(): Promise<string | undefined> {
  return (await core.readNamespacedPod({ name: 'daas-e-1', namespace: ns.name })).metadata?.uid;
}

beforeAll(async () => {
  kc = testKubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  net = kc.makeApiClient(NetworkingV1Api);
  custom = kc.makeApiClient(CustomObjectsApi);
  await installCrds();
  ns = await createTestNamespace(kc, 'egress', { 'daas.calipsoplus.eu/proposal': proposal });
  sessions = new TestSessions(custom, ns.name, { owner: 'akowalska', proposal, image });
  await custom.createClusterCustomObject({ ...imageWhere, body: sessionImageObject(image) });
}, 120_000);

afterAll(async () => {
  await operator?.shutdown('test done');
  await custom.deleteClusterCustomObject({ ...imageWhere, name: image }).catch(() => undefined);
  await ns.remove();
});

describe('session egress, as the NetworkPolicy the operator writes (fake: no CNI enforces it here)', () => {
  it('none: DNS and the NFS servers only; the gateway stays the only way in', async () => {
    await restartOperator(['--session-egress=none', ...LOCAL]);
    await sessions.create('e-1', {});
    await sessions.until('e-1', 'Running', (s) => s.status?.phase === 'Running');
    const p = await policyWith('with egress', (x) => (x.spec?.egress?.length ?? 0) > 0);
    expect(p.spec?.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(json(p.spec?.egress)).toEqual(rulesFor(['--session-egress=none', ...LOCAL]));
    // DNS and the NFS server, nothing else.
    expect(p.spec?.egress?.map((r) => r.to?.[0]?.ipBlock?.cidr ?? 'dns')).toEqual(['dns', '192.0.2.10/32']);
    // The gateway, on the access port only: unchanged.
    expect(p.spec?.ingress).toHaveLength(1);
    expect(p.spec?.ingress?.[0]?._from?.map((f) => f.podSelector?.matchLabels)).toEqual([
      { 'app.kubernetes.io/name': 'daas-dashboard' },
    ]);
    expect(json(p.spec?.ingress?.[0]?.ports)).toEqual([{ protocol: 'TCP', port: 8888 }]);
  }, 60_000);

  it('internet (the default): changing the flag updates the running session’s policy, not its pod', async () => {
    const before = await podUid();
    await restartOperator(LOCAL);
    const p = await policyWith('with the outside world', (x) => x.spec?.egress?.length === 3);
    expect(json(p.spec?.egress)).toEqual(rulesFor(LOCAL));
    expect(p.spec?.egress?.[2]?.to?.[0]?.ipBlock).toEqual({
      cidr: '0.0.0.0/0',
      except: ['127.0.0.0/8', '10.0.0.0/16', '127.0.0.1/32', '169.254.0.0/16'],
    });
    expect(await podUid()).toBe(before);
    expect((await sessions.get('e-1')).status?.phase).toBe('Running');
  }, 60_000);

  it('a hand edit opening egress to everything is undone', async () => {
    await net.patchNamespacedNetworkPolicy(
      { name: policyName, namespace: ns.name, body: { spec: { egress: [{}] } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const p = await policyWith('healed', (x) => x.spec?.egress?.length === 3);
    expect(json(p.spec?.egress)).toEqual(rulesFor(LOCAL));
  }, 30_000);

  it('open: egress is no longer restricted (documented as unsafe)', async () => {
    const before = await podUid();
    await restartOperator(['--session-egress=open', ...LOCAL]);
    const p = await policyWith('without egress', (x) => x.spec?.policyTypes?.length === 1);
    expect(p.spec?.policyTypes).toEqual(['Ingress']);
    expect(p.spec?.egress ?? []).toEqual([]);
    expect(await podUid()).toBe(before);
  }, 60_000);
});
