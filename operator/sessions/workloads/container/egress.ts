// What sessions may reach (the egress half of the image's NetworkPolicy), from the site's choice:
// `internet` (DNS, the NFS servers, and every address outside the cluster's pod and service ranges,
// the API server and link-local addresses such as cloud metadata), `none` (DNS and the NFS servers
// only) or `open` (anything, the unsafe behaviour of earlier versions). Pure; CIDRs are checked here.
import { isIPv4, isIPv6 } from 'node:net';

export const EGRESS_MODES = ['internet', 'none', 'open'] as const;
export type EgressMode = (typeof EGRESS_MODES)[number];

/** Link-local addresses: cloud metadata services (169.254.169.254, fd00:ec2::254 aside) and the like. */
export const LINK_LOCAL = ['169.254.0.0/16', 'fe80::/10'] as const;

/**
 * Excluded from `internet` when the site names neither its pod nor its service ranges: every private
 * range (RFC 1918, RFC 6598 shared space, IPv6 unique local), which holds those of nearly every cluster.
 */
export const PRIVATE_RANGES = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  'fc00::/7',
] as const;

export interface SessionEgress {
  mode: EgressMode;
  /** The cluster DNS pods sessions may ask (UDP and TCP 53). */
  dns: { namespace: string; podLabels: Record<string, string> };
  /** The NFS servers, every port (NFSv3 also needs rpcbind, mountd and lockd on ports the server picks). */
  nfs: readonly string[];
  /** Never reachable in `internet` mode: pod and service ranges, the API server, link-local. */
  blocked: readonly string[];
}

/** Why a text is not a CIDR, or undefined when it is one in canonical form (host bits zero). */
export function cidrProblem(text: string): string | undefined {
  const [address = '', prefixText, extra] = text.split('/');
  const v4 = isIPv4(address);
  if ((!v4 && !isIPv6(address)) || prefixText === undefined || extra !== undefined)
    return 'expected a CIDR such as 10.96.0.0/12 or fd00:10::/64';
  const bits = v4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > bits)
    return `expected a prefix length from 0 to ${String(bits)}`;
  const value = v4 ? ipv4Value(address) : ipv6Value(address);
  const hostBits = BigInt(bits - Number(prefixText));
  if (value % (1n << hostBits) !== 0n)
    return `host bits must be zero (the network address of ${text} is ${canonical(value, v4, Number(prefixText))})`;
  return undefined;
}

function ipv4Value(address: string): bigint {
  return address.split('.').reduce((n, part) => (n << 8n) + BigInt(part), 0n);
}

function ipv6Value(address: string): bigint {
  const [head = '', tail = ''] = address.includes('::') ? address.split('::') : [address, ''];
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  // An embedded IPv4 tail (::ffff:10.0.0.1) counts as two groups.
  const expand = (parts: string[]) =>
    parts.flatMap((p) => {
      if (!p.includes('.')) return [p];
      const v = ipv4Value(p);
      return [(v >> 16n).toString(16), (v & 0xffffn).toString(16)];
    });
  const h = expand(groups(head));
  const t = expand(groups(tail));
  const all = address.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  return all.reduce((n, g) => (n << 16n) + BigInt(`0x${g}`), 0n);
}

function canonical(value: bigint, v4: boolean, prefix: number): string {
  const bits = v4 ? 32 : 128;
  const network = (value >> BigInt(bits - prefix)) << BigInt(bits - prefix);
  if (v4)
    return `${[24n, 16n, 8n, 0n].map((s) => String((network >> s) & 0xffn)).join('.')}/${String(prefix)}`;
  const groups = Array.from({ length: 8 }, (_, i) =>
    ((network >> BigInt(112 - 16 * i)) & 0xffffn).toString(16),
  );
  return `${groups.join(':')}/${String(prefix)}`;
}

export const isIPv4Cidr = (cidr: string): boolean => isIPv4(cidr.split('/')[0] ?? '');

/** An IP address as a host CIDR (/32 or /128), or undefined for a host name. */
export function hostCidr(host: string): string | undefined {
  if (isIPv4(host)) return `${host}/32`;
  if (isIPv6(host)) return `${host}/128`;
  return undefined;
}

/** The CIDRs never reachable in `internet` mode (deduplicated, in the order given). */
export function blockedRanges(site: {
  podCidrs: readonly string[];
  serviceCidrs: readonly string[];
  apiServerCidrs: readonly string[];
}): string[] {
  const cluster =
    site.podCidrs.length + site.serviceCidrs.length > 0
      ? [...site.podCidrs, ...site.serviceCidrs]
      : PRIVATE_RANGES;
  return [...new Set([...cluster, ...site.apiServerCidrs, ...LINK_LOCAL])];
}

type Peer = Record<string, unknown>;
/** An egress rule in wire form (`to`, `ports`), as the reconciler applies plain JSON. */
export interface EgressRule {
  to: Peer[];
  ports?: { protocol: 'UDP' | 'TCP'; port: number }[];
}

const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** The egress rules of a session's NetworkPolicy; undefined in `open` mode (egress not restricted). */
export function egressRules(egress: SessionEgress): EgressRule[] | undefined {
  if (egress.mode === 'open') return undefined;
  const dns: EgressRule = {
    to: [
      {
        namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: egress.dns.namespace } },
        podSelector: { matchLabels: { ...egress.dns.podLabels } },
      },
    ],
    ports: [
      { protocol: 'UDP', port: 53 },
      { protocol: 'TCP', port: 53 },
    ],
  };
  const rules = [dns];
  if (egress.nfs.length > 0) rules.push({ to: egress.nfs.map((cidr) => ({ ipBlock: { cidr } })) });
  if (egress.mode === 'internet') {
    const v4 = egress.blocked.filter(isIPv4Cidr);
    const v6 = egress.blocked.filter((c) => !isIPv4Cidr(c));
    rules.push({
      to: [
        { ipBlock: { cidr: '0.0.0.0/0', ...(v4.length ? { except: v4 } : {}) } },
        { ipBlock: { cidr: '::/0', ...(v6.length ? { except: v6 } : {}) } },
      ],
    });
  }
  return rules;
}
