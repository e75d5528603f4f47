// The daas kinds as the runtime addresses them (group, version, plural), next to the built-in kinds.
import { GROUP, VERSION } from '../crds/index.ts';
import type { ResourceType } from '../runtime/resources.ts';

const daas = (plural: string, kind: string, namespaced: boolean): ResourceType => ({
  group: GROUP,
  version: VERSION,
  plural,
  kind,
  namespaced,
});

export const AnalysisSessions = daas('analysissessions', 'AnalysisSession', true);
export const SessionImages = daas('sessionimages', 'SessionImage', false);
export const Quotas = daas('quotas', 'Quota', false);
