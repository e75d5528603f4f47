// Vitest global setup for integration tests: boots one local control plane for the run, or reuses
// the cluster named by KUBECONFIG when that cluster is on loopback (never a remote one by accident).
// A guard process stops what we started even if this run crashes or is interrupted.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { TestProject } from 'vitest/node';
import { LocalCluster } from './cluster.ts';
import { ensureBinaries } from './binaries.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    kubeconfig: string;
    /** Set when this run started the cluster itself (tests that restart components need it). */
    clusterDir: string | undefined;
  }
}

function loopbackKubeconfig(path: string | undefined): string | undefined {
  if (!path) return undefined;
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  const server = kc.getCurrentCluster()?.server;
  if (!server) return undefined;
  const host = new URL(server).hostname;
  return host === 'localhost' || host.startsWith('127.') || host === '[::1]' ? path : undefined;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const reuse = loopbackKubeconfig(process.env.KUBECONFIG);
  if (reuse) {
    console.log(`[cluster] reusing the local cluster of KUBECONFIG=${reuse}`);
    project.provide('kubeconfig', reuse);
    project.provide('clusterDir', undefined);
    return () => Promise.resolve();
  }
  const binDir = await ensureBinaries();
  const dir = await mkdtemp(join(tmpdir(), 'daas-test-cluster-'));
  const cluster = await LocalCluster.start({
    dir,
    binDir,
    ownerPid: process.pid,
    ephemeral: true,
    log: (line) => {
      console.log(`[cluster] ${line}`);
    },
  });
  process.env.KUBECONFIG = cluster.kubeconfigPath;
  project.provide('kubeconfig', cluster.kubeconfigPath);
  project.provide('clusterDir', dir);
  return async () => {
    await cluster.stop();
    const { rm } = await import('node:fs/promises');
    await rm(dir, { recursive: true, force: true });
  };
}
