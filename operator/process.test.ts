import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OPERATOR_NODE_FLAGS, operatorNodeArgs } from './process.ts';

describe('the operator process', () => {
  it('is started with the same V8 flags by npm run operator as by the launcher and the benchmarks', () => {
    const scripts = (
      JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    expect(scripts.operator).toBe(`node ${OPERATOR_NODE_FLAGS.join(' ')} operator/main.ts`);
    expect(operatorNodeArgs('operator/main.ts', ['--workers=8'])).toEqual([
      ...OPERATOR_NODE_FLAGS,
      'operator/main.ts',
      '--workers=8',
    ]);
  });
});
