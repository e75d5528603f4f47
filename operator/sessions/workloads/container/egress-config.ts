// The egress part of the operator's configuration: what sessions may reach (--session-egress) and
// the site's address ranges the choice needs. Merged into the session controller's fragment.
import { z } from 'zod';
import { commaList, dnsLabel, labelList } from '../../../../runtime/config.ts';
import { EGRESS_MODES, blockedRanges, cidrProblem, hostCidr, type SessionEgress } from './egress.ts';

const cidr = z.string().superRefine((text, ctx) => {
  const problem = cidrProblem(text);
  if (problem) ctx.addIssue({ code: 'custom', message: `${text}: ${problem}` });
});
const cidrs = commaList(cidr);

export const egressConfigSchema = z.object({
  sessionEgress: z
    .enum(EGRESS_MODES, { error: `expected one of ${EGRESS_MODES.join(', ')}` })
    .default('internet')
    .describe(
      "what sessions may reach: internet (DNS, the NFS servers and every address outside the cluster's pod and service ranges, the API server and link-local addresses), none (DNS and the NFS servers only) or open (anything, including the Kubernetes API and cloud metadata: unsafe)",
    ),
  clusterPodCidrs: cidrs
    .prefault('')
    .describe(
      "the cluster's pod address ranges, never reachable from sessions (with --cluster-service-cidrs unset too: every private range)",
    ),
  clusterServiceCidrs: cidrs
    .prefault('')
    .describe("the cluster's Service address ranges, never reachable from sessions"),
  apiServerCidrs: cidrs
    .prefault('')
    .describe("the API server's own addresses (e.g. a public endpoint), never reachable from sessions"),
  nfsServerCidrs: cidrs
    .prefault('')
    .describe(
      'the NFS servers sessions (virtual machines) mount from; empty: --nfs-server when it is an IP address',
    ),
  clusterDnsNamespace: dnsLabel('expected a namespace name')
    .default('kube-system')
    .describe('the namespace of the cluster DNS pods sessions may ask'),
  clusterDnsPodLabels: labelList
    .prefault('k8s-app=kube-dns')
    .describe('the labels of the cluster DNS pods, key=value[,key=value]'),
});

export type EgressConfig = z.output<typeof egressConfigSchema>;

/** The egress settings sessions' NetworkPolicies are built from. */
export function sessionEgress(c: EgressConfig, nfsServer: string): SessionEgress {
  const nfsHost = hostCidr(nfsServer);
  return {
    mode: c.sessionEgress,
    dns: { namespace: c.clusterDnsNamespace, podLabels: c.clusterDnsPodLabels },
    nfs: c.nfsServerCidrs.length > 0 ? c.nfsServerCidrs : nfsHost ? [nfsHost] : [],
    blocked: blockedRanges({
      podCidrs: c.clusterPodCidrs,
      serviceCidrs: c.clusterServiceCidrs,
      apiServerCidrs: c.apiServerCidrs,
    }),
  };
}
