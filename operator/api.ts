// The daas kinds as the runtime addresses them (group, version, plural), next to the built-in kinds,
// typed with the API module's object types so their caches need no casts. The zod output types are
// KubeObjects as they are (their metadata has the fields KubeObject's does, with the same types,
// and a loose object's index signature), so no intersection with KubeObject is needed.
import { GROUP, VERSION, type AnalysisSession, type Quota, type SessionImage } from '../crds/index.ts';
import { resourceType, type ResourceType } from '../runtime/resources.ts';

export const AnalysisSessions: ResourceType<AnalysisSession> = resourceType(
  GROUP,
  VERSION,
  'analysissessions',
  'AnalysisSession',
);
export const SessionImages: ResourceType<SessionImage> = resourceType(
  GROUP,
  VERSION,
  'sessionimages',
  'SessionImage',
  false,
);
export const Quotas: ResourceType<Quota> = resourceType(GROUP, VERSION, 'quotas', 'Quota', false);
