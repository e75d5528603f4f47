import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  boolean,
  configFields,
  configUsage,
  duration,
  labelList,
  loadRuntimeConfig,
  mergeConfigSchemas,
  parseConfig,
  runtimeConfigSchema,
} from './config.ts';

const example = z
  .object({
    dryRun: boolean.prefault('false').describe('only say what would change'),
    pollInterval: duration.prefault('30s').describe('how often to look'),
    podLabels: labelList.prefault('app=x').describe('whose pods'),
    token: z.string().optional().meta({ env: 'EXAMPLE_TOKEN', description: 'the secret' }),
  })
  .superRefine((c, ctx) => {
    if (c.dryRun && c.pollInterval < 1000) {
      ctx.addIssue({ code: 'custom', path: ['pollInterval'], message: 'too fast for a dry run' });
    }
  });

/** Matches a ConfigError with exactly these problems. */
const problems = (list: string[]) =>
  expect.objectContaining({ name: 'ConfigError', problems: list }) as unknown;

describe('configFields', () => {
  it('derives flags, variables, switches, descriptions and defaults from the schema', () => {
    expect(configFields(example)).toEqual([
      {
        key: 'dryRun',
        flag: '--dry-run',
        env: 'DAAS_DRY_RUN',
        description: 'only say what would change',
        isSwitch: true,
        defaultText: 'false',
      },
      {
        key: 'pollInterval',
        flag: '--poll-interval',
        env: 'DAAS_POLL_INTERVAL',
        description: 'how often to look',
        isSwitch: false,
        defaultText: '30s',
      },
      {
        key: 'podLabels',
        flag: '--pod-labels',
        env: 'DAAS_POD_LABELS',
        description: 'whose pods',
        isSwitch: false,
        defaultText: 'app=x',
      },
      {
        key: 'token',
        flag: '--token',
        env: 'EXAMPLE_TOKEN',
        description: 'the secret',
        isSwitch: false,
        defaultText: undefined,
      },
    ]);
    expect(configUsage(example)).toMatch(
      /--dry-run\[=true\|false\] +only say what would change\n +\(env DAAS_DRY_RUN, default false\)/,
    );
  });
});

describe('parseConfig', () => {
  it('reads flags, then variables, then defaults', () => {
    expect(parseConfig(example, [], {})).toEqual({
      dryRun: false,
      pollInterval: 30_000,
      podLabels: { app: 'x' },
    });
    const c = parseConfig(example, ['--dry-run', '--poll-interval=1m'], {
      DAAS_POLL_INTERVAL: '5s',
      DAAS_POD_LABELS: 'a=b',
      EXAMPLE_TOKEN: 't',
    });
    expect(c).toEqual({ dryRun: true, pollInterval: 60_000, podLabels: { a: 'b' }, token: 't' });
  });

  it('names the flag or variable and the value of every problem, object-level checks included', () => {
    expect(() => parseConfig(example, ['--dry-run=perhaps'], { DAAS_POD_LABELS: 'a' })).toThrow(
      problems([
        '--dry-run: expected true or false (got "perhaps")',
        'DAAS_POD_LABELS: expected key=value[,key=value] (got "a")',
      ]),
    );
    expect(() => parseConfig(example, ['--dry-run', '--poll-interval=500ms'], {})).toThrow(
      problems(['--poll-interval: too fast for a dry run (got "500ms")']),
    );
  });
});

describe('mergeConfigSchemas', () => {
  const merged = mergeConfigSchemas([
    { name: 'the runtime', schema: runtimeConfigSchema },
    { name: 'the example', schema: example },
  ]);

  it("keeps every fragment's keys and object-level checks", () => {
    expect(Object.keys(merged.shape)).toEqual([
      ...Object.keys(runtimeConfigSchema.shape),
      ...Object.keys(example.shape),
    ]);
    expect(() => parseConfig(merged, ['--retry-period=20s', '--dry-run', '--poll-interval=1ms'], {})).toThrow(
      problems([
        '--retry-period: must be shorter than the renew deadline (got "20s")',
        '--poll-interval: too fast for a dry run (got "1ms")',
      ]),
    );
  });

  it('refuses a key declared twice, naming both fragments', () => {
    expect(() =>
      mergeConfigSchemas([
        { name: 'the example', schema: example },
        { name: 'the copy', schema: z.object({ token: z.string() }) },
      ]),
    ).toThrow('configuration key token (--token) is declared by both the example and the copy');
  });
});

describe('loadRuntimeConfig', () => {
  it("reads the runtime's own flags and nothing else", () => {
    expect(loadRuntimeConfig(['--workers=2'], {})).toMatchObject({
      workers: 2,
      leaderElect: true,
      namespaces: [],
    });
    expect(() => loadRuntimeConfig(['--nfs-server=x'], {})).toThrow(/Unknown option '--nfs-server'/);
  });

  it('takes a watch silence timeout of 10s and more, so that no watch restarts in a loop', () => {
    expect(loadRuntimeConfig([], {}).watchSilenceTimeout).toBe(120_000);
    expect(loadRuntimeConfig(['--watch-silence-timeout=90s'], {}).watchSilenceTimeout).toBe(90_000);
    expect(() => loadRuntimeConfig(['--watch-silence-timeout=5ms'], {})).toThrow(
      problems([
        '--watch-silence-timeout: must be at least 10s (the API server sends a bookmark about every minute) (got "5ms")',
      ]),
    );
  });
});
