import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../config.ts';
import { sessionEgress } from './egress-config.ts';
import {
  LINK_LOCAL,
  PRIVATE_RANGES,
  blockedRanges,
  cidrProblem,
  egressRules,
  type SessionEgress,
} from './egress.ts';

const dns = { namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' } };
const site: SessionEgress = {
  mode: 'internet',
  dns,
  nfs: ['192.0.2.10/32'],
  blocked: ['10.244.0.0/16', '10.96.0.0/12', '192.0.2.1/32', ...LINK_LOCAL, 'fd00:10::/64'],
};
const dnsRule = {
  to: [
    {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
      podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
    },
  ],
  ports: [
    { protocol: 'UDP', port: 53 },
    { protocol: 'TCP', port: 53 },
  ],
};
const nfsRule = { to: [{ ipBlock: { cidr: '192.0.2.10/32' } }] };

describe('egressRules: what sessions may reach', () => {
  it('internet: DNS, the NFS servers and the outside world except the cluster, its API server and link-local', () => {
    expect(egressRules(site)).toEqual([
      dnsRule,
      nfsRule,
      {
        to: [
          {
            ipBlock: {
              cidr: '0.0.0.0/0',
              except: ['10.244.0.0/16', '10.96.0.0/12', '192.0.2.1/32', '169.254.0.0/16'],
            },
          },
          { ipBlock: { cidr: '::/0', except: ['fe80::/10', 'fd00:10::/64'] } },
        ],
      },
    ]);
  });

  it('none: DNS and the NFS servers only', () => {
    expect(egressRules({ ...site, mode: 'none' })).toEqual([dnsRule, nfsRule]);
    // No NFS address known (a host name; the kubelet mounts claims outside the pod's network): DNS only.
    expect(egressRules({ ...site, mode: 'none', nfs: [] })).toEqual([dnsRule]);
  });

  it('open: egress is not restricted (no rules)', () => {
    expect(egressRules({ ...site, mode: 'open' })).toBeUndefined();
  });
});

describe('blockedRanges', () => {
  it("the site's pod and service ranges and API server, and always link-local", () => {
    expect(
      blockedRanges({
        podCidrs: ['10.244.0.0/16'],
        serviceCidrs: ['10.96.0.0/12'],
        apiServerCidrs: ['203.0.113.7/32'],
      }),
    ).toEqual(['10.244.0.0/16', '10.96.0.0/12', '203.0.113.7/32', '169.254.0.0/16', 'fe80::/10']);
  });

  it('every private range when the site names neither pod nor service ranges', () => {
    expect(blockedRanges({ podCidrs: [], serviceCidrs: [], apiServerCidrs: [] })).toEqual([
      ...PRIVATE_RANGES,
      ...LINK_LOCAL,
    ]);
  });
});

describe('cidrProblem', () => {
  it('accepts canonical IPv4 and IPv6 CIDRs', () => {
    for (const c of ['10.96.0.0/12', '0.0.0.0/0', '192.0.2.10/32', 'fd00:10::/64', '::/0', '2001:db8::1/128'])
      expect(cidrProblem(c), c).toBeUndefined();
  });

  it('names what is wrong', () => {
    expect(cidrProblem('10.96.0.1/12')).toBe(
      'host bits must be zero (the network address of 10.96.0.1/12 is 10.96.0.0/12)',
    );
    expect(cidrProblem('fd00:10::1/64')).toBe(
      'host bits must be zero (the network address of fd00:10::1/64 is fd00:10:0:0:0:0:0:0/64)',
    );
    expect(cidrProblem('10.0.0.0/33')).toBe('expected a prefix length from 0 to 32');
    expect(cidrProblem('nfs.example')).toBe('expected a CIDR such as 10.96.0.0/12 or fd00:10::/64');
    expect(cidrProblem('10.0.0.0')).toBe('expected a CIDR such as 10.96.0.0/12 or fd00:10::/64');
  });
});

describe('the egress flags', () => {
  it('default to internet, with the NFS server when it is an address', () => {
    const c = loadConfig(['--nfs-server=192.0.2.10'], {});
    expect(sessionEgress(c, c.nfsServer)).toEqual({
      mode: 'internet',
      dns,
      nfs: ['192.0.2.10/32'],
      blocked: [...PRIVATE_RANGES, ...LINK_LOCAL],
    });
  });

  it('take the local control plane values', () => {
    const c = loadConfig(
      [
        '--session-egress=none',
        '--cluster-pod-cidrs=127.0.0.0/8',
        '--cluster-service-cidrs=10.0.0.0/16',
        '--api-server-cidrs=127.0.0.1/32',
        '--nfs-server-cidrs=127.0.0.2/32,fd00::/8',
      ],
      {},
    );
    expect(sessionEgress(c, c.nfsServer)).toMatchObject({
      mode: 'none',
      nfs: ['127.0.0.2/32', 'fd00::/8'],
      blocked: ['127.0.0.0/8', '10.0.0.0/16', '127.0.0.1/32', ...LINK_LOCAL],
    });
  });

  it('refuse a bad mode or CIDR, naming the flag and the rule', () => {
    expect(() => loadConfig(['--session-egress=closed', '--cluster-pod-cidrs=10.0.0.1/8'], {})).toThrow(
      /--session-egress: expected one of internet, none, open[\s\S]*--cluster-pod-cidrs: 10\.0\.0\.1\/8: host bits must be zero/,
    );
  });
});
