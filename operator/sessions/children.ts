// Applying and deleting a session's children. Each child carries a hash of the content last applied,
// so an unchanged session costs no writes; immutable children (pods, volumes, claims) are deleted on
// a change and created again on a later pass, once the old one is gone.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { APPLIED_HASH_ANNOTATION, type AnalysisSession } from '../../crds/index.ts';
import { AnalysisSessions } from '../api.ts';
import { apply } from '../../runtime/apply.ts';
import { ApiError, isConflict, isNotFound } from '../../runtime/errors.ts';
import type { Cache } from '../../runtime/informer.ts';
import { withControllerReference } from '../../runtime/owners.ts';
import { keyOf, objectPath, type KubeObject, type ResourceType } from '../../runtime/resources.ts';
import type { RestClient } from '../../runtime/rest.ts';

/** The cache of each child kind the session controller watches, by kind. */
export type ChildCaches = (type: ResourceType) => Cache<KubeObject>;

export type ApplyOutcome = 'unchanged' | 'applied' | 'created' | 'replacing';

/**
 * The API server refused a child for a reason a retry of the same request cannot fix now (400, 403,
 * 422: a ResourceQuota, a LimitRange, an admission policy or webhook, an invalid value). The steps
 * turn it into a condition that names the object and the API server's words, and retry later: the
 * cause (a quota, a missing PriorityClass) may be lifted without any change to the session.
 */
export class ChildRefused extends Error {
  readonly kind: string;
  readonly objectName: string;
  readonly apiMessage: string;

  constructor(kind: string, objectName: string, apiMessage: string) {
    super(`${kind} ${objectName} refused: ${apiMessage}`);
    this.name = 'ChildRefused';
    this.kind = kind;
    this.objectName = objectName;
    this.apiMessage = apiMessage;
  }

  /** The sentence for status: which object, what the API server said, what happens next. */
  get sentence(): string {
    const said = this.apiMessage.replace(/\.?\s*$/, '.');
    return `Kubernetes refused the session's ${this.kind} ${this.objectName}: ${said} The operator tries again every few seconds.`;
  }
}

/** How long after a refusal the operator tries again (nothing else may wake it: a quota is lifted silently). */
export const REFUSAL_RETRY_MS = 5000;

const REFUSED_CODES = new Set([400, 403, 422]);

function hashOf(obj: unknown): string {
  return createHash('sha256').update(JSON.stringify(obj)).digest('hex').slice(0, 16);
}

export class Children {
  private readonly client: RestClient;
  private readonly caches: ChildCaches;

  constructor(client: RestClient, caches: ChildCaches) {
    this.client = client;
    this.caches = caches;
  }

  /** The cached child of `type` named `name` (in `namespace`; none for cluster-scoped kinds). */
  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.caches(type).get(type.namespaced ? `${namespace ?? ''}/${name}` : name);
  }

  /** Applies `object` unless its content is unchanged; an immutable child is replaced instead. */
  async apply(
    session: AnalysisSession,
    type: ResourceType,
    object: KubeObject,
    { immutable = false, owned = true, log }: { immutable?: boolean; owned?: boolean; log: Logger },
  ): Promise<ApplyOutcome> {
    const hash = hashOf(object);
    const current = this.caches(type).get(keyOf(object));
    if (current?.metadata.annotations?.[APPLIED_HASH_ANNOTATION] === hash) return 'unchanged';
    if (current && immutable) {
      if (!current.metadata.deletionTimestamp) {
        log.info({ kind: type.kind, key: keyOf(object) }, 'spec changed; replacing');
        await this.delete(type, current);
      }
      return 'replacing';
    }
    const stamped: KubeObject = {
      ...object,
      metadata: {
        ...object.metadata,
        annotations: { ...object.metadata.annotations, [APPLIED_HASH_ANNOTATION]: hash },
      },
    };
    // Shared objects (the proposal's data claims) and cluster-scoped ones have no session owner.
    const body =
      owned && type.namespaced ? withControllerReference(stamped, AnalysisSessions, session) : stamped;
    try {
      await apply(this.client, type, body);
    } catch (err) {
      if (err instanceof ApiError && REFUSED_CODES.has(err.statusCode)) {
        throw new ChildRefused(type.kind, object.metadata.name ?? '', err.status?.message ?? err.message);
      }
      throw err;
    }
    return current ? 'applied' : 'created';
  }

  /** Deletes exactly this incarnation of a child (by UID); gone or replaced already is fine. */
  async delete(type: ResourceType, obj: KubeObject): Promise<void> {
    if (obj.metadata.deletionTimestamp) return;
    try {
      await this.client.request('DELETE', objectPath(type, obj.metadata.namespace, obj.metadata.name ?? ''), {
        body: {
          kind: 'DeleteOptions',
          apiVersion: 'v1',
          preconditions: { uid: obj.metadata.uid },
          propagationPolicy: 'Background',
        },
      });
    } catch (err) {
      // 409: the UID precondition failed, so the object we meant is already gone.
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }
}
