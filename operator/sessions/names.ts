// Deterministic names and labels of a session's children. The same session always maps to the same
// names, so the reconciler can find (and server-side apply) its children without storing anything.
import { createHash } from 'node:crypto';
import {
  APP_INSTANCE_LABEL,
  APP_MANAGED_BY_LABEL,
  APP_NAME_LABEL,
  IMAGE_LABEL,
  OWNER_ANNOTATION,
  OWNER_LABEL,
  PROPOSAL_LABEL,
  SESSION_ANNOTATION,
  SESSION_LABEL,
  type AnalysisSession,
  type SessionImage,
} from '../../crds/index.ts';

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
    [APP_NAME_LABEL]: 'daas-session',
    [APP_MANAGED_BY_LABEL]: 'daas-operator',
    [APP_INSTANCE_LABEL]: labelValue(session.metadata.name),
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

/**
 * The URL path an http session is served under: the image's basePath with {session} and {namespace}
 * filled in. `/sessions/{namespace}/{session}/` is the session's path on the gateway, so the server's
 * own links (JupyterLab's) work unchanged through it.
 */
export function sessionBasePath(session: AnalysisSession, image: SessionImage): string {
  return fillSessionName(image.spec.access.basePath ?? '/', session.metadata.name).replaceAll(
    '{namespace}',
    session.metadata.namespace ?? '',
  );
}
