// The acceptance path an admin follows: apply the CRDs and the examples with kubectl, then look at
// them with `kubectl get daas`, and read the API documentation with `kubectl explain`.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { testKubeConfig } from '../testing/kube.ts';
import { installCrds, kubectl } from '../crds/testing/api-server.ts';
import { GROUP, VERSION, analysisSession, sessionImage, quota } from '../crds/index.ts';

const kc = testKubeConfig();
const NAMESPACE = 'proposal-mx-2451';

beforeAll(async () => {
  await installCrds();
  // Exactly what the admin guide says to run.
  await kubectl('apply', '-f', 'examples/');
});

afterAll(async () => {
  await kubectl('delete', '--wait=false', '--ignore-not-found', '-f', 'examples/');
});

describe('the examples', () => {
  test('are all stored, and kubectl get daas -A lists them with the printer columns', async () => {
    const table = await kubectl('get', 'daas', '-A');
    for (const column of ['PHASE', 'IMAGE', 'OWNER', 'PROPOSAL', 'MACHINE', 'EXPIRES', 'AGE']) {
      expect(table).toContain(column);
    }
    for (const column of [
      'DISPLAY NAME',
      'RUNTIME',
      'PROTOCOL',
      'SUBJECT KIND',
      'SUBJECT',
      'SESSIONS',
      'MEMORY',
    ]) {
      expect(table).toContain(column);
    }
    const sessionRows = {
      'quick-look': ['jupyter-scipy', 'akowalska'],
      'ptycho-recon': ['matlab-ptychoshelves', 'mkowalski'],
      'windows-detector-tools': ['windows-vm', 'jdupont'],
      'denoise-training': ['jupyter-pytorch-gpu', 'mkowalski'],
    };
    for (const [name, [image, owner]] of Object.entries(sessionRows)) {
      const row = table
        .split('\n')
        .find((line) => line.includes(`analysissession.daas.calipsoplus.eu/${name} `));
      expect(row).toMatch(new RegExp(`\\s${image}\\s+${owner}\\s+MX-2451\\s`));
    }
    for (const name of ['jupyter-scipy', 'xfce-desktop', 'matlab-ptychoshelves', 'ubuntu-vm', 'windows-vm']) {
      expect(table).toContain(`sessionimage.daas.calipsoplus.eu/${name}`);
    }
    expect(table).toMatch(/quota\.daas\.calipsoplus\.eu\/default-per-user\s+EachUser\s+5\s+16\s+30Gi/);
  });

  test('come back from the API server with defaults applied, and pass the zod validators', async () => {
    const custom = kc.makeApiClient(CustomObjectsApi);
    const sessions = (await custom.listNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      plural: 'analysissessions',
      namespace: NAMESPACE,
    })) as { items: unknown[] };
    expect(sessions.items).toHaveLength(6);
    const parsed = sessions.items.map((item) => analysisSession.parse(item));
    const quickLook = parsed.find((s) => s.metadata.name === 'quick-look');
    expect(quickLook?.spec.state).toBe('Running');
    expect(quickLook?.spec.data?.wholeProposal).toBe(false);

    const images = (await custom.listClusterCustomObject({
      group: GROUP,
      version: VERSION,
      plural: 'sessionimages',
    })) as {
      items: unknown[];
    };
    const ubuntu = images.items
      .map((item) => sessionImage.parse(item))
      .find((i) => i.metadata.name === 'ubuntu-vm');
    expect(ubuntu?.spec.lifecycle.expiryWarning).toBe('2h');
    expect(ubuntu?.spec.vm?.firmware).toBe('bios');

    const quotas = (await custom.listClusterCustomObject({
      group: GROUP,
      version: VERSION,
      plural: 'quotas',
    })) as {
      items: unknown[];
    };
    const names = quotas.items.map((item) => quota.parse(item).metadata.name);
    expect(names).toEqual(
      expect.arrayContaining(['default-per-user', 'user-mkowalski', 'group-beamline-staff']),
    );
  });

  test("leave kubectl's `quota` to ResourceQuotas; ours are `quotas` and `dquota`", async () => {
    const resourceQuotas = await kubectl('get', 'quota', '-A', '-o', 'name');
    expect(resourceQuotas).not.toContain('daas.calipsoplus.eu');
    for (const name of ['quotas', 'dquota', 'daasquota'])
      expect(await kubectl('get', name, '-o', 'name')).toContain(
        'quota.daas.calipsoplus.eu/default-per-user',
      );
  });

  test('re-applying them changes nothing (what Argo CD and Flux do on every sync)', async () => {
    const output = await kubectl('apply', '-f', 'examples/');
    expect(output).toContain('analysissession.daas.calipsoplus.eu/ptycho-recon unchanged');
    expect(output).not.toContain('configured');
  });

  test('`kubectl apply -f crds/` accepts the whole directory, admission policies included', async () => {
    // Server-side dry run: the policies bind cluster-wide, which would affect parallel test files.
    const output = await kubectl('apply', '--dry-run=server', '-f', 'crds/');
    expect(output).toContain(
      'customresourcedefinition.apiextensions.k8s.io/analysissessions.daas.calipsoplus.eu',
    );
    expect(output).toContain('validatingadmissionpolicy.admissionregistration.k8s.io/daas-session-owner');
  });
});

describe('kubectl explain', () => {
  test('analysissession.spec --recursive shows every field', async () => {
    const text = await kubectl('explain', 'analysissession.spec', '--recursive');
    for (const field of ['image', 'owner', 'proposal', 'state', 'lifetime', 'idleTimeout', 'sharedWith']) {
      expect(text).toMatch(new RegExp(`\\b${field}\\b`));
    }
    for (const field of ['mounts', 'experimentSession', 'subPath', 'readOnly', 'wholeProposal', 'gpus']) {
      expect(text).toMatch(new RegExp(`\\b${field}\\b`));
    }
  });

  test('analysissession.spec.data shows the descriptions', async () => {
    const text = await kubectl('explain', 'analysissession.spec.data');
    expect(text).toContain('Which experiment data of the proposal to mount');
    expect(text).toContain('Parts of the proposal data to mount');
  });
});
