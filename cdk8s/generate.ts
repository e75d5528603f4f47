// Command line: `npm run generate` writes the CRDs and the API reference; `npm run generate:check`
// exits non-zero when the committed files differ from what the schemas generate (for CI).
// `--out DIR` compares or writes another tree than this repository (tests use it).
import { parseArgs } from 'node:util';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findDrift, renderGeneratedFiles, writeGeneratedFiles } from './generated-files.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { check: { type: 'boolean' }, out: { type: 'string' } } });
const target = values.out ? resolve(values.out) : repoRoot;
const files = await renderGeneratedFiles(repoRoot);

if (values.check) {
  const drifted = await findDrift(target, files);
  if (drifted.length > 0) {
    console.error(`Generated files are out of date; run \`npm run generate\`:\n  ${drifted.join('\n  ')}`);
    process.exit(1);
  }
  console.log(`${files.size} generated files are up to date.`);
} else {
  await writeGeneratedFiles(target, files);
  console.log(`Wrote ${[...files.keys()].join(', ')}.`);
}
