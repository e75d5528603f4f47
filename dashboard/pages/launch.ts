// Launch: the form, and the AnalysisSession created as the user. The API server (RBAC, CEL rules,
// admission policies) decides; a refusal comes back to the form next to the field it names.
import { Router } from 'express';
import type { AnalysisSession } from '../../crds/index.ts';
import { AnalysisSessions } from '../../operator/api.ts';
import { collectionPath } from '../../runtime/resources.ts';
import { me } from '../auth/middleware.ts';
import { gpuStatus, nodeUsage } from '../capacity/capacity.ts';
import type { Dashboard } from '../context.ts';
import { aboveMaxima, LAUNCH_FIELDS, sessionFromForm, type FormBody } from '../forms/launch.ts';
import { UserClient } from '../kube/as-user.ts';
import { imageOffered } from '../kube/catalogue.ts';
import { fieldErrors, type FieldErrors } from '../kube/field-errors.ts';
import { errorPage } from '../views/errors.ts';
import { launchPage } from '../views/launch-form.ts';
import { cardId } from '../views/session-card.ts';
import { proposalOf } from './proposals-data.ts';

const formValues = (body: FormBody) =>
  Object.fromEntries(
    Object.entries(body).filter(([k, v]) => k !== '_csrf' && typeof v === 'string'),
  ) as Record<string, string>;

export function launchPages(d: Dashboard): Router {
  const router = Router();

  const context = async (namespace: string, imageName: string, res: Parameters<typeof me>[0]) => {
    const viewer = me(res);
    const found = await proposalOf(d, viewer, namespace);
    const image = d.caches.images.get(imageName);
    // A non-member may still post (and the API server refuses); the form is only shown to members.
    if (!found || !image) return undefined;
    const gpuResource = image.spec.resources?.gpuResourceName ?? 'nvidia.com/gpu';
    const pools = gpuStatus(nodeUsage(d.caches.nodes.list(), d.caches.pods.list(), gpuResource));
    return { viewer, proposal: found.info, member: found.member, image, pools };
  };

  router.get('/proposals/:namespace/launch/:image', async (req, res) => {
    const c = await context(req.params.namespace, req.params.image, res);
    if (
      !c ||
      (!c.member && !c.viewer.admin) ||
      !imageOffered(c.image, c.proposal, c.viewer.groups, c.viewer.admin)
    ) {
      res.status(404).send(errorPage(404, 'No such image in this proposal of yours.', me(res)).text);
      return;
    }
    // Launched from an experiment session of the proposal page: that session's data, preselected.
    const chosen = req.query.experimentSession;
    const values: Record<string, string> =
      typeof chosen === 'string' && c.proposal.experimentSessions.includes(chosen)
        ? { experimentSession: chosen }
        : {};
    res.send(launchPage({ ...c, values, errors: { fields: {}, general: [] } }).text);
  });

  router.post('/proposals/:namespace/launch/:image', async (req, res) => {
    const c = await context(req.params.namespace, req.params.image, res);
    if (!c) {
      res.status(404).send(errorPage(404, 'No such proposal or image.', me(res)).text);
      return;
    }
    const body = req.body as FormBody;
    const refuse = (status: number, errors: FieldErrors) => {
      res.status(status).send(launchPage({ ...c, values: formValues(body), errors }).text);
    };
    const tooMuch = aboveMaxima(body, c.image);
    if (Object.keys(tooMuch).length) {
      refuse(422, { fields: tooMuch, general: [] });
      return;
    }
    const session = sessionFromForm({
      namespace: c.proposal.namespace,
      proposal: c.proposal.proposal,
      owner: c.viewer.user,
      image: c.image,
      body,
    });
    try {
      const created = await new UserClient(d.client, c.viewer).request<AnalysisSession>(
        'POST',
        collectionPath(AnalysisSessions, c.proposal.namespace),
        { body: session },
      );
      d.log.info(
        { user: c.viewer.user, session: `${c.proposal.namespace}/${created.metadata.name}` },
        'session launched',
      );
      res.redirect(303, `/resources#${cardId(created)}`);
    } catch (err) {
      d.log.info({ user: c.viewer.user, err: (err as Error).message }, 'launch refused');
      refuse(statusOf(err), fieldErrors(err, LAUNCH_FIELDS));
    }
  });

  return router;
}

export const statusOf = (err: unknown) => {
  const code = (err as { statusCode?: number }).statusCode;
  return code && code >= 400 && code < 500 ? code : 502;
};
