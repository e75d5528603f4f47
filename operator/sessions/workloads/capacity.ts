// How big the biggest node is, for the message of a session that no node can run right now: "the
// largest node offers 4" tells a scientist to ask for less, where "wait" would leave them waiting.
// The session stays Queued either way: a cluster autoscaler may add bigger nodes.
import { compareQuantities, parseQuantity } from '../../../runtime/quantity.ts';
import type { KubeObject } from '../../../runtime/resources.ts';

interface NodeLike extends KubeObject {
  spec?: { unschedulable?: boolean };
  status?: { allocatable?: Record<string, string> };
}

/** The node that offers the most of `resource` among schedulable nodes matching `nodeSelector`. */
export function largestAllocatable(
  nodes: readonly KubeObject[],
  resource: string,
  nodeSelector: Record<string, string> = {},
): string | undefined {
  let best: { text: string; q: NonNullable<ReturnType<typeof parseQuantity>> } | undefined;
  for (const node of nodes as readonly NodeLike[]) {
    if (node.spec?.unschedulable) continue;
    const labels = node.metadata.labels ?? {};
    if (!Object.entries(nodeSelector).every(([k, v]) => labels[k] === v)) continue;
    const text = node.status?.allocatable?.[resource];
    if (text === undefined) continue;
    const q = parseQuantity(text);
    if (q && (!best || compareQuantities(q, best.q) > 0)) best = { text, q };
  }
  return best?.text;
}

/** A sentence naming, for each short resource, the most any suitable node offers. */
export function capacityNote(
  nodes: readonly KubeObject[],
  shortResources: readonly string[],
  nodeSelector?: Record<string, string>,
): string {
  const offered: string[] = [];
  const missing: string[] = [];
  for (const resource of shortResources) {
    const largest = largestAllocatable(nodes, resource, nodeSelector);
    if (largest === undefined) missing.push(resource);
    else offered.push(`${largest} ${resource}`);
  }
  const sentences: string[] = [];
  if (offered.length) sentences.push(`The largest suitable node offers ${offered.join(', ')} in all.`);
  if (missing.length) sentences.push(`No suitable node has ${missing.join(' or ')} at all.`);
  return sentences.join(' ');
}
