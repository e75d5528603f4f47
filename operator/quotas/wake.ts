// When a Quota change can let a waiting session in: a ledger entry released, or the spec changed (a
// raised limit). The session controller wakes the sessions waiting for that quota on these only, so
// the admissions that fill a quota do not wake its whole queue each time.
import type { Quota } from '../../crds/index.ts';
import type { KubeObject } from '../../runtime/resources.ts';

export function capacityFreed(old: KubeObject, obj: KubeObject): boolean {
  if (old === obj) return true;
  if (old.metadata.generation !== obj.metadata.generation) return true;
  const now = new Set(((obj as Quota).status?.ledger ?? []).map((e) => e.uid));
  return ((old as Quota).status?.ledger ?? []).some((e) => !now.has(e.uid));
}
