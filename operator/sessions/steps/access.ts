// Step 5, access: once the workload is ready, the image's access provider makes it reachable and
// says where (status.endpoint); while it is not, the provider undoes what it set up elsewhere (for a
// provider with a finalizer, only while the session carries it: without it nothing was registered).
import type { AnalysisSession, SessionImage } from '../../../crds/index.ts';
import type { AccessOutcome, AccessProvider } from '../access/types.ts';
import type { SessionCredentials } from '../credentials.ts';
import type { WorkloadDiagnosis } from '../workloads/types.ts';

/** The first provider that serves the image (the list ends with the direct one, which serves all). */
export function accessProvider(
  providers: readonly AccessProvider[],
  image: SessionImage,
): AccessProvider | undefined {
  return providers.find((p) => p.serves(image));
}

/** The session's finalizers (metadata is kept as the API server sent it, so it is read with care). */
export function finalizersOf(session: AnalysisSession): string[] {
  const list: unknown = session.metadata.finalizers;
  return Array.isArray(list) ? list.filter((f): f is string => typeof f === 'string') : [];
}

export const hasFinalizer = (session: AnalysisSession, finalizer: string): boolean =>
  finalizersOf(session).includes(finalizer);

/** The finalizer the session's provider needs before it registers anything, if it lacks it. */
export function missingFinalizer(
  providers: readonly AccessProvider[],
  session: AnalysisSession,
  image: SessionImage | undefined,
): string | undefined {
  const f = image && accessProvider(providers, image)?.finalizer;
  return f && !hasFinalizer(session, f) ? f : undefined;
}

export async function accessStep(input: {
  providers: readonly AccessProvider[];
  session: AnalysisSession;
  image: SessionImage | undefined;
  workload: WorkloadDiagnosis;
  /** The session's credentials Secret, named in the endpoint. */
  secretName: string;
  credentials?: SessionCredentials;
}): Promise<AccessOutcome | undefined> {
  const { session, image, workload } = input;
  const provider = image ? accessProvider(input.providers, image) : undefined;
  if (!image || !provider) return undefined;
  if (workload.state !== 'Running' || !workload.ready || !workload.address) {
    const f = provider.finalizer;
    if (f && !hasFinalizer(session, f)) return undefined;
    const released = await provider.release(session);
    if (!released) return f ? { releasedFinalizer: f } : undefined;
    return {
      ...(released.status ? { status: released.status } : {}),
      ...(released.retryAt ? { retryAt: released.retryAt } : {}),
      ...(released.released && f ? { releasedFinalizer: f } : {}),
    };
  }
  return provider.ensure({
    session,
    image,
    address: workload.address,
    ...(workload.login ? { login: workload.login } : {}),
    credentialsSecretName: input.secretName,
    ...(input.credentials ? { credentials: input.credentials } : {}),
  });
}
