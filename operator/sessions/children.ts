// Applying and deleting a session's children. Each pass compares the fields the operator sets with the
// live child from the cache (drift.ts) and writes only what differs, so a converged session costs no
// writes and hand edits are undone; a hash of what was last sent tells a change of intent from a
// mutation at admission. Immutable children (pods) are replaced make-before-break.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { APPLIED_HASH_ANNOTATION, type AnalysisSession } from '../../crds/index.ts';
import { AnalysisSessions } from '../api.ts';
import { apply, FIELD_MANAGER, mergePatch } from '../../runtime/apply.ts';
import { ApiError, isConflict, isNotFound } from '../../runtime/errors.ts';
import type { Cache } from '../../runtime/informer.ts';
import { withControllerReference } from '../../runtime/owners.ts';
import {
  apiVersionOf,
  collectionPath,
  keyOf,
  objectPath,
  type KubeObject,
  type ResourceType,
} from '../../runtime/resources.ts';
import type { RestClient } from '../../runtime/rest.ts';
import { managedMetadata, repairOf } from './drift.ts';

/** The cache of each child kind the session controller watches, by kind. */
export type ChildCaches = (type: ResourceType) => Cache<KubeObject>;

/** What apply did: nothing, a change of intent, a hand edit undone, a creation, or a replacement begun. */
export type ApplyOutcome = 'unchanged' | 'applied' | 'restored' | 'created' | 'replacing';

export interface ApplyChildOptions {
  /** Its spec cannot change in place (pods): a new spec means a new incarnation. */
  immutable?: boolean;
  /** Owned by the session (false: shared by several, owned by none). */
  owned?: boolean;
  /** Replace the immutable child even if its spec holds (its credentials cannot be restored). */
  replace?: boolean;
  /**
   * What a replacement is built from, when a restart takes other settings than the kept ones; called
   * only when a replacement is needed (it may throw: the catalogue refuses the restart).
   */
  replacement?: () => KubeObject;
  log: Logger;
}

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
  /** Per child, the resourceVersion our last write replaced (until the cache moves past it). */
  private readonly replaced = new Map<string, string>();

  constructor(client: RestClient, caches: ChildCaches) {
    this.client = client;
    this.caches = caches;
  }

  /** The cached child of `type` named `name` (in `namespace`; none for cluster-scoped kinds). */
  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.caches(type).get(type.namespaced ? `${namespace ?? ''}/${name}` : name);
  }

  /**
   * Brings the live child to `object`, writing only what differs (see repairOf): unchanged content
   * costs nothing, hand edits are restored, and an immutable child that needs a new incarnation is
   * replaced make-before-break: `replacement` (or `object`) is validated by a server-side dry-run
   * create first, and the old one is deleted only once the API server accepted it (the next pass
   * creates it, under the same deterministic name). A refused replacement throws ChildRefused and
   * leaves the old child running.
   */
  async apply(
    session: AnalysisSession,
    type: ResourceType,
    object: KubeObject,
    options: ApplyChildOptions,
  ): Promise<ApplyOutcome> {
    const { immutable = false, owned = true, log } = options;
    const body = this.body(session, type, object, owned);
    const current = this.caches(type).get(keyOf(object));
    if (!current) {
      this.replaced.delete(this.idOf(type, object));
      await this.write(type, object, () => apply(this.client, type, body));
      return 'created';
    }
    // Our last write to it is on its way to the cache: judging the old version would write again.
    if (this.inFlight(type, current)) return 'unchanged';
    const hashKey = APPLIED_HASH_ANNOTATION;
    const repair = repairOf(body, current, { immutable, hashKey, replace: options.replace ?? false });
    const restored = current.metadata.annotations?.[hashKey] === body.metadata.annotations?.[hashKey];
    switch (repair) {
      case 'none':
        return 'unchanged';
      case 'apply':
        if (restored) log.info({ kind: type.kind, key: keyOf(object) }, 'changed out of band; restoring');
        this.wrote(type, current, await this.write(type, object, () => apply(this.client, type, body)));
        return restored ? 'restored' : 'applied';
      case 'metadata':
        this.wrote(
          type,
          current,
          await this.write(type, object, () => this.patchMetadata(type, current, body)),
        );
        return restored ? 'restored' : 'applied';
      case 'replace':
        if (current.metadata.deletionTimestamp) return 'replacing';
        log.info({ kind: type.kind, key: keyOf(object) }, 'needs a new incarnation; replacing');
        await this.validate(type, this.body(session, type, options.replacement?.() ?? object, owned));
        await this.delete(type, current);
        return 'replacing';
    }
  }

  /** Remembers the version a write replaced, until the cache shows a newer one. */
  private wrote(type: ResourceType, replaced: KubeObject, written: KubeObject): void {
    const version = replaced.metadata.resourceVersion;
    if (version && written.metadata.resourceVersion !== version)
      this.replaced.set(this.idOf(type, replaced), version);
  }

  /** Whether the cache still holds the version our last write to this child replaced. */
  private inFlight(type: ResourceType, current: KubeObject): boolean {
    const id = this.idOf(type, current);
    const replaced = this.replaced.get(id);
    if (replaced === undefined) return false;
    if (replaced === current.metadata.resourceVersion) return true;
    this.replaced.delete(id);
    return false;
  }

  private idOf(type: ResourceType, obj: KubeObject): string {
    return `${type.plural}/${keyOf(obj)}`;
  }

  /** The object as written: the hash of the intent, and the session as owner unless shared. */
  private body(session: AnalysisSession, type: ResourceType, object: KubeObject, owned: boolean): KubeObject {
    const stamped: KubeObject = {
      ...object,
      metadata: {
        ...object.metadata,
        annotations: { ...object.metadata.annotations, [APPLIED_HASH_ANNOTATION]: hashOf(object) },
      },
    };
    // Shared objects (the proposal's data claims) and cluster-scoped ones have no session owner.
    return owned && type.namespaced ? withControllerReference(stamped, AnalysisSessions, session) : stamped;
  }

  /** Labels, annotations and owner of an immutable child, in place (its spec cannot be applied again). */
  private patchMetadata(type: ResourceType, current: KubeObject, body: KubeObject): Promise<KubeObject> {
    const name = current.metadata.name ?? '';
    return mergePatch(this.client, type, current.metadata.namespace, name, {
      metadata: { ...managedMetadata(body.metadata), uid: current.metadata.uid },
    });
  }

  /** A server-side dry-run create of `body` under a generated name: would the API server take it? */
  private async validate(type: ResourceType, body: KubeObject): Promise<void> {
    const { name = 'daas', ...metadata } = body.metadata;
    const probe = { ...body, metadata: { ...metadata, generateName: `${name}-` } };
    try {
      await this.write(type, body, () =>
        this.client.request('POST', collectionPath(type, body.metadata.namespace), {
          body: { ...probe, apiVersion: apiVersionOf(type), kind: type.kind },
          query: { dryRun: 'All', fieldManager: FIELD_MANAGER },
        }),
      );
    } catch (err) {
      if (!(err instanceof ChildRefused)) throw err;
      // The API server names the generated prefix; the user knows the pod by its own name.
      throw new ChildRefused(err.kind, name, err.apiMessage.replaceAll(`"${name}-"`, `"${name}"`));
    }
  }

  /** Runs a write, turning the API server's refusals into ChildRefused. */
  private async write<T>(type: ResourceType, object: KubeObject, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (err) {
      if (err instanceof ApiError && REFUSED_CODES.has(err.statusCode)) {
        throw new ChildRefused(type.kind, object.metadata.name ?? '', err.status?.message ?? err.message);
      }
      throw err;
    }
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
