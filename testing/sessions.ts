// The sessions of one test namespace through the typed client: create, read, wait for a status.
import { PatchStrategy, setHeaderOptions, type CustomObjectsApi } from '@kubernetes/client-node';
import { GROUP, VERSION, type AnalysisSession } from '../crds/index.ts';
import { eventually } from './kube.ts';
import { analysisSessionObject } from './objects.ts';

export class TestSessions {
  private readonly custom: CustomObjectsApi;
  private readonly namespace: string;
  private readonly defaults: Record<string, unknown>;

  /** `defaults`: spec fields every session gets (owner, proposal, ...). */
  constructor(custom: CustomObjectsApi, namespace: string, defaults: Record<string, unknown>) {
    this.custom = custom;
    this.namespace = namespace;
    this.defaults = defaults;
  }

  private get where() {
    return { group: GROUP, version: VERSION, namespace: this.namespace, plural: 'analysissessions' };
  }

  async create(name: string, spec: Record<string, unknown>): Promise<void> {
    await this.custom.createNamespacedCustomObject({
      ...this.where,
      body: analysisSessionObject(name, { ...this.defaults, ...spec }),
    });
  }

  async get(name: string): Promise<AnalysisSession> {
    return (await this.custom.getNamespacedCustomObject({ ...this.where, name })) as AnalysisSession;
  }

  async list(): Promise<AnalysisSession[]> {
    return ((await this.custom.listNamespacedCustomObject(this.where)) as { items: AnalysisSession[] }).items;
  }

  async patchSpec(name: string, spec: Record<string, unknown>): Promise<void> {
    await this.custom.patchNamespacedCustomObject(
      { ...this.where, name, body: { spec } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  async delete(name: string): Promise<void> {
    await this.custom.deleteNamespacedCustomObject({ ...this.where, name });
  }

  /** Resolves with the session once `check` holds for it. */
  until(name: string, what: string, check: (s: AnalysisSession) => boolean, timeoutMs = 30_000) {
    return eventually(
      `session ${name} ${what}`,
      async () => {
        const s = await this.get(name);
        return check(s) ? s : undefined;
      },
      timeoutMs,
    );
  }
}
