import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The fault drills (`npm run drills`): each file boots its own private control plane, because drills
// stop and start its components; one file at a time, since they time recoveries on two shared cores.
export default defineConfig({
  test: {
    name: 'drills',
    root: fileURLToPath(new URL('..', import.meta.url)),
    include: ['drills/**/*.drill.ts'],
    reporters: ['default'],
    testTimeout: 15 * 60_000,
    hookTimeout: 5 * 60_000,
    fileParallelism: false,
  },
});
