import { defineConfig } from 'vitest/config';

// Two projects: pure unit tests, and integration tests that share one real local control plane
// (booted once per run by the global setup, or reused when KUBECONFIG names a loopback cluster).
export default defineConfig({
  test: {
    reporters: ['default', './testing/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/*.e2e.test.ts', 'node_modules/**'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['**/*.int.test.ts', 'e2e/**/*.e2e.test.ts'],
          exclude: ['node_modules/**'],
          globalSetup: ['tools/controlplane/vitest-global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // One control plane is shared; files create their own namespaces and may run in parallel.
          fileParallelism: true,
        },
      },
    ],
  },
});
