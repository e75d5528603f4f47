import { describe, expect, it } from 'vitest';
import { buildInput, config, session, vncImage } from '../../fixtures.ts';
import { egressRules } from './egress.ts';
import { generateNetworkPolicy } from './networkpolicy.ts';
import { generatePod } from './pod.ts';

const gateway = {
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'daas-system' } },
  podSelector: { matchLabels: { 'app.kubernetes.io/name': 'daas-dashboard' } },
};

describe('generateNetworkPolicy', () => {
  it("admits only the gateway pods, only on the access port, to the image's session pods in the namespace", () => {
    const policy = generateNetworkPolicy(
      buildInput({ image: vncImage, session: session('d', {}, 'xfce-desktop') }),
    );
    expect(policy).toEqual({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: {
        name: 'daas-image-xfce-desktop',
        namespace: 'proposal-mx-2451',
        labels: {
          'app.kubernetes.io/name': 'daas-session',
          'app.kubernetes.io/managed-by': 'daas-operator',
          'daas.calipsoplus.eu/image': 'xfce-desktop',
        },
      },
      spec: {
        podSelector: {
          matchLabels: {
            'app.kubernetes.io/name': 'daas-session',
            'daas.calipsoplus.eu/image': 'xfce-desktop',
          },
        },
        policyTypes: ['Ingress', 'Egress'],
        // Wire form (`from`), as the reconciler applies it as plain JSON.
        ingress: [{ from: [gateway], ports: [{ protocol: 'TCP', port: 5901 }] }],
        // The site's choice (egress.test.ts has every mode): here internet.
        egress: egressRules(config.egress),
      },
    });
    expect(policy.spec?.egress).toHaveLength(3);
  });

  it('leaves egress unrestricted only when the site chooses open', () => {
    const open = { ...config, egress: { ...config.egress, mode: 'open' as const } };
    const policy = generateNetworkPolicy(buildInput({ config: open }));
    expect(policy.spec?.policyTypes).toEqual(['Ingress']);
    expect(policy.spec).not.toHaveProperty('egress');
    const none = { ...config, egress: { ...config.egress, mode: 'none' as const } };
    expect(generateNetworkPolicy(buildInput({ config: none })).spec?.policyTypes).toEqual([
      'Ingress',
      'Egress',
    ]);
  });

  it('also admits the operator for Jupyter idle probes when configured', () => {
    const probe = { namespace: 'daas-system', podLabels: { 'app.kubernetes.io/name': 'daas-operator' } };
    const withProbe = { ...config, activityProbe: probe };
    const jupyter = generateNetworkPolicy(buildInput({ config: withProbe }));
    expect(JSON.parse(JSON.stringify(jupyter.spec?.ingress))).toEqual([
      {
        from: [
          gateway,
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'daas-system' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'daas-operator' } },
          },
        ],
        ports: [{ protocol: 'TCP', port: 8888 }],
      },
    ]);
    const desktop = generateNetworkPolicy(buildInput({ config: withProbe, image: vncImage }));
    expect(JSON.parse(JSON.stringify(desktop.spec?.ingress))).toEqual([
      { from: [gateway], ports: [{ protocol: 'TCP', port: 5901 }] },
    ]);
  });

  it("selects the session's pod", () => {
    const input = buildInput();
    const pod = generatePod(input);
    if (!pod.ok) throw new Error(pod.error.message);
    const selector = generateNetworkPolicy(input).spec?.podSelector?.matchLabels ?? {};
    expect(Object.keys(selector).length).toBeGreaterThan(0);
    expect(pod.value.metadata?.labels).toMatchObject(selector);
  });
});
