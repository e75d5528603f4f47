// Step 5, access: once the workload is ready, the image's access provider makes it reachable and
// says where (status.endpoint); while it is not, the provider undoes what it set up elsewhere.
import type { AnalysisSession, SessionImage } from '../../../crds/index.ts';
import type { AccessOutcome, AccessProvider } from '../access/types.ts';
import type { WorkloadDiagnosis } from '../workloads/types.ts';

/** The first provider that serves the image (the list ends with the direct one, which serves all). */
export function accessProvider(
  providers: readonly AccessProvider[],
  image: SessionImage,
): AccessProvider | undefined {
  return providers.find((p) => p.serves(image));
}

export async function accessStep(input: {
  providers: readonly AccessProvider[];
  session: AnalysisSession;
  image: SessionImage | undefined;
  workload: WorkloadDiagnosis;
  /** The session's credentials Secret, named in the endpoint. */
  secretName: string;
}): Promise<AccessOutcome | undefined> {
  const { session, image, workload } = input;
  const provider = image ? accessProvider(input.providers, image) : undefined;
  if (!image || !provider) return undefined;
  if (workload.state !== 'Running' || !workload.ready || !workload.address) {
    await provider.release(session);
    return undefined;
  }
  return provider.ensure({
    session,
    image,
    address: workload.address,
    credentialsSecretName: input.secretName,
  });
}
