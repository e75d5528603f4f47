// Deterministic names and labels of a session's children. The same session always maps to the same
// names, so the reconciler can find (and server-side apply) its children without storing anything.
import { createHash } from 'node:crypto';
import { PROPOSAL_LABEL, type AnalysisSession, type SessionImage } from '../../crds/index.ts';

export const SESSION_LABEL = 'daas.calipsoplus.eu/session';
export const OWNER_LABEL = 'daas.calipsoplus.eu/owner';
// Children carry the same proposal label as proposal namespaces.
export { PROPOSAL_LABEL };
export const IMAGE_LABEL = 'daas.calipsoplus.eu/image';
/** On cluster-scoped children (PersistentVolumes): the session label alone is not unique across namespaces. */
export const SESSION_NAMESPACE_LABEL = 'daas.calipsoplus.eu/session-namespace';
/** Annotations keep the exact values that labels may have had to shorten or sanitize. */
export const OWNER_ANNOTATION = 'daas.calipsoplus.eu/owner';
export const SESSION_ANNOTATION = 'daas.calipsoplus.eu/session';

const MAX_LABEL = 63;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** First `length` hex digits of the SHA-256 of `value`: a stable, collision-resistant suffix. */
export function shortHash(value: string, length = 8): string {
  return createHash('sha256').update(value).digest('hex').slice(0, length);
}

/**
 * A DNS label (RFC 1123, and RFC 1035's leading letter via the prefix) of at most `max` characters
 * built from `prefix` and `value`. When `value` had to be altered or shortened, a hash of the original
 * is appended so different inputs never collide.
 */
export function boundedDnsName(prefix: string, value: string, max = MAX_LABEL): string {
  const cleaned = value.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  const plain = `${prefix}${cleaned}`;
  if (cleaned === value && plain.length <= max && DNS_LABEL.test(plain)) return plain;
  const suffix = `-${shortHash(value)}`;
  const head = plain.slice(0, max - suffix.length).replace(/-+$/, '');
  return head ? `${head}${suffix}` : shortHash(value);
}

/** The name of a session's Pod, Service, Secret and NetworkPolicy. */
export function childName(sessionName: string): string {
  // The prefix makes it start with a letter, as Service names require (RFC 1035).
  return boundedDnsName('daas-', sessionName);
}

/** `value` itself when it is a valid label value, otherwise a sanitized form with a hash suffix. */
export function labelValue(value: string): string {
  if (value.length <= MAX_LABEL && LABEL_VALUE.test(value)) return value;
  const suffix = `-${shortHash(value)}`;
  const cleaned = value
    .replace(/[^-A-Za-z0-9_.]/g, '_')
    .slice(0, MAX_LABEL - suffix.length)
    .replace(/^[^A-Za-z0-9]+/, '');
  return cleaned ? `${cleaned}${suffix}` : shortHash(value);
}

/** The selector that matches a session's pod (its Service and NetworkPolicy use it). */
export function sessionSelector(sessionName: string): Record<string, string> {
  return { [SESSION_LABEL]: labelValue(sessionName) };
}

export function sessionLabels(session: AnalysisSession): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'daas-session',
    'app.kubernetes.io/managed-by': 'daas-operator',
    'app.kubernetes.io/instance': labelValue(session.metadata.name),
    ...sessionSelector(session.metadata.name),
    [OWNER_LABEL]: labelValue(session.spec.owner),
    [PROPOSAL_LABEL]: labelValue(session.spec.proposal),
    [IMAGE_LABEL]: labelValue(session.spec.image),
  };
}

export function sessionAnnotations(session: AnalysisSession): Record<string, string> {
  return { [SESSION_ANNOTATION]: session.metadata.name, [OWNER_ANNOTATION]: session.spec.owner };
}

/** Fills `{session}` in image-supplied text (command, args, env values, base path) with the session name. */
export function fillSessionName(text: string, sessionName: string): string {
  return text.replaceAll('{session}', sessionName);
}

/** The URL path an http session is served under: the image's basePath with {session} filled in. */
export function sessionBasePath(session: AnalysisSession, image: SessionImage): string {
  return fillSessionName(image.spec.access.basePath ?? '/', session.metadata.name);
}

/** On each child: a hash of the content last applied, so unchanged children cost no write. */
export const APPLIED_HASH_ANNOTATION = 'daas.calipsoplus.eu/applied-hash';
/** Set with spec.state=Stopped by the idle culler; names the generation that stop produced. */
export const IDLE_STOP_ANNOTATION = 'daas.calipsoplus.eu/idle-stopped-generation';
