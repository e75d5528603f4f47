// The sample VM sessions of examples/ (Ubuntu with cloud-init, Windows 11 with sysprep, EFI, secure
// boot and TPM) reach Running on the local control plane: their VirtualMachines pass KubeVirt's real
// schema, and the SIMULATED virt-controller (tools/controlplane/kubevirt-sim) runs them. The samples
// are copied into a namespace and image names of this test's own, so other tests' examples are untouched.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { parseAllDocuments } from 'yaml';

import { installCrds, kubectl } from '../crds/testing/api-server.ts';
import type { RunningOperator } from '../runtime/app.ts';
import { loadClusterAccess } from '../runtime/kubeconfig.ts';
import { RestClient } from '../runtime/rest.ts';
import { testKubeConfig } from '../testing/kube.ts';
import { startTestOperator } from '../testing/operator.ts';
import { TestSessions } from '../testing/sessions.ts';
import {
  startKubevirtSimulation,
  type KubevirtSimulation,
} from '../tools/controlplane/kubevirt-sim/controller.ts';
import type { VirtualMachine } from '../operator/sessions/workloads/vm/kinds.ts';

const suffix = Math.random().toString(16).slice(2, 8);
const NAMESPACE = `vm-samples-${suffix}`;
const VM_IMAGES = ['ubuntu-vm', 'windows-vm'];
const kc = testKubeConfig();
const custom = kc.makeApiClient(CustomObjectsApi);
let operator: RunningOperator | undefined;
let simulation: KubevirtSimulation | undefined;
let client: RestClient | undefined;

/** The sample namespace, the VM images and their sessions, renamed for this test. */
async function samples(): Promise<string> {
  const docs: string[] = [];
  for (const file of ['00-proposal-namespace.yaml', '10-session-images.yaml', '30-analysis-sessions.yaml']) {
    for (const doc of parseAllDocuments(await readFile(join('examples', file), 'utf8'))) {
      const obj = doc.toJSON() as { kind: string; metadata: { name: string }; spec?: { image?: string } };
      const vm =
        obj.kind === 'Namespace' ||
        (obj.kind === 'SessionImage' && VM_IMAGES.includes(obj.metadata.name)) ||
        (obj.kind === 'AnalysisSession' && VM_IMAGES.includes(obj.spec?.image ?? ''));
      if (vm) docs.push(JSON.stringify(obj));
    }
  }
  let text = docs.join('\n---\n').replaceAll('proposal-mx-2451', NAMESPACE);
  for (const image of VM_IMAGES) text = text.replaceAll(`"${image}"`, `"${image}-${suffix}"`);
  return text;
}

beforeAll(async () => {
  await installCrds();
  const file = join(tmpdir(), `${NAMESPACE}.yaml`);
  await writeFile(file, await samples());
  await kubectl('apply', '--server-side', '-f', file);
  await rm(file);
  client = new RestClient(loadClusterAccess(inject('kubeconfig')));
  simulation = await startKubevirtSimulation({
    client,
    log: pino({ level: process.env.DAAS_TEST_LOG_LEVEL ?? 'warn' }),
    namespaces: [NAMESPACE],
  });
  operator = await startTestOperator([NAMESPACE], ['--virtual-machines']);
}, 120_000);

afterAll(async () => {
  await operator?.shutdown('test done');
  await simulation?.stop();
  client?.close();
  await kubectl('delete', 'namespace', NAMESPACE, '--wait=false', '--ignore-not-found');
  for (const image of VM_IMAGES)
    await kubectl('delete', 'sessionimage', `${image}-${suffix}`, '--ignore-not-found');
});

describe('the sample VM sessions (simulated virt-controller)', () => {
  test('the Ubuntu VM session runs, no longer RuntimeNotSupported', async () => {
    const sessions = new TestSessions(custom, NAMESPACE, {});
    const s = await sessions.until('ubuntu-build', 'Running', (x) => x.status?.phase === 'Running');
    expect(s.status?.endpoint).toMatchObject({ protocol: 'rdp', port: 3389 });
    expect(s.status?.endpoint?.host).toMatch(/^127\./);
  });

  test('the stopped Windows 11 session is Stopped, then runs on resume with EFI, secure boot and TPM', async () => {
    const sessions = new TestSessions(custom, NAMESPACE, {});
    await sessions.until('windows-detector-tools', 'Stopped', (x) => x.status?.phase === 'Stopped');
    await sessions.patchSpec('windows-detector-tools', { state: 'Running' });
    await sessions.until('windows-detector-tools', 'Running', (x) => x.status?.phase === 'Running');
    const vm = (await custom.getNamespacedCustomObject({
      group: 'kubevirt.io',
      version: 'v1',
      namespace: NAMESPACE,
      plural: 'virtualmachines',
      name: 'daas-windows-detector-tools',
    })) as VirtualMachine;
    expect(vm.spec?.template?.spec).toMatchObject({
      domain: { firmware: { bootloader: { efi: { secureBoot: true } } }, devices: { tpm: {} } },
      volumes: [
        { name: 'rootdisk', dataVolume: { name: 'daas-windows-detector-tools-disk' } },
        { name: 'bootstrap', sysprep: { secret: { name: 'daas-windows-detector-tools-boot' } } },
      ],
    });
  });
});
