// Configuration from flags (first), environment variables (then) and defaults, validated with zod.
// A zod object schema is the single source: each key gives its flag (--kebab-case) and variable
// (DAAS_UPPER_SNAKE, or the field's `env` metadata), its description (.describe() or .meta()) the
// help text, its default the default. Every bad value is reported at once, naming the flag or
// variable it came from and the value got. The runtime's own fragment is here too: applications merge
// it with theirs (mergeConfigSchemas) and load the result with parseConfig.
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { parseDuration } from './duration.ts';

export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

// ---- Field helpers: each reads the text of a flag or variable. ----

/** A duration such as 15s, 500ms or 1m30s, read as milliseconds (more than zero). */
export const duration = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) {
    ctx.addIssue({ code: 'custom', message: 'expected a duration such as 15s, 500ms or 1m30s' });
    return z.NEVER;
  }
  return ms;
});

/** true|1|yes or false|0|no. As a flag, a switch: `--name` alone means true. */
export const boolean = z
  .string()
  .transform((text, ctx) => {
    if (/^(true|1|yes)$/i.test(text)) return true;
    if (/^(false|0|no)$/i.test(text)) return false;
    ctx.addIssue({ code: 'custom', message: 'expected true or false' });
    return z.NEVER;
  })
  .meta({ switch: true });

/** A listen address: host:port, :port, or 0 to disable. */
export const address = z
  .string()
  .refine((a) => a === '0' || /^(\[[0-9a-fA-F:]+\]|[^:]*)?:?\d{1,5}$/.test(a), {
    error: 'expected host:port, :port, or 0 to disable',
  });

/** key=value[,key=value], read as a record (labels). */
export const labelList = z.string().transform((text, ctx) => {
  const labels: Record<string, string> = {};
  for (const pair of text.split(',').filter(Boolean)) {
    const [key, value, extra] = pair.split('=');
    if (!key || value === undefined || extra !== undefined) {
      ctx.addIssue({ code: 'custom', message: 'expected key=value[,key=value]' });
      return z.NEVER;
    }
    labels[key.trim()] = value.trim();
  }
  return labels;
});

/** A comma-separated list (blanks around items dropped), each item checked by `item`. */
export function commaList<T extends z.ZodType<unknown, string>>(item: T) {
  return z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((n) => n.trim())
        .filter(Boolean),
    )
    .pipe(z.array(item));
}

/** A whole number from `min` to `max`, written as text (flags and environment variables). */
export const wholeNumber = (min: number, max: number) => {
  const range = `must be from ${String(min)} to ${String(max)}`;
  return z
    .string()
    .transform((s) => (/^\s*-?\d+(\.\d+)?\s*$/.test(s) ? Number(s) : NaN))
    .pipe(z.number('expected a whole number').int('expected a whole number').min(min, range).max(max, range));
};

/** A DNS label (RFC 1123): namespace names, among others. */
export const dnsLabel = (message = 'expected a DNS label') => z.string().regex(DNS_LABEL, message);

/** A DNS subdomain (RFC 1123): host names and most object names. */
export const dnsSubdomain = (message = 'expected a DNS subdomain name') =>
  z.string().regex(DNS_SUBDOMAIN, message);

// ---- The runtime's fragment. ----

export const runtimeConfigSchema = z
  .object({
    kubeconfig: z.string().min(1).optional().meta({
      env: 'KUBECONFIG',
      description:
        'the kubeconfig file of the cluster (unset: ~/.kube/config or the in-cluster service account)',
    }),
    namespaces: commaList(dnsLabel('each namespace must be a DNS label (lower case, digits, -)'))
      .prefault('')
      .describe('namespaces to watch, comma-separated (empty: all)'),
    workers: wholeNumber(1, 64)
      .prefault('4')
      .describe('reconciles in parallel per controller (one key is never reconciled twice at once)'),
    kubeApiQps: wholeNumber(0, 10_000)
      .prefault('0')
      .describe(
        "requests per second to the API server, watches aside (0: no client-side limit; the API server's priority and fairness still applies)",
      ),
    kubeApiBurst: wholeNumber(1, 10_000)
      .prefault('100')
      .describe('requests sent at once before --kube-api-qps applies'),
    watchSilenceTimeout: duration
      .prefault('2m')
      .describe(
        'a watch stream that sends nothing for this long (not even the bookmark the API server sends about every minute) is taken for dead (a stalled network path) and resumed from its last resourceVersion',
      ),
    metricsBindAddress: address.default(':8080').describe('where Prometheus /metrics is served (0 disables)'),
    healthProbeBindAddress: address
      .default(':8081')
      .describe('where /healthz and /readyz are served (0 disables); ready once caches have synced'),
    leaderElect: boolean
      .prefault('true')
      .describe('Lease leader election: only the leader reconciles (correctness never depends on it)'),
    leaderElectionId: dnsSubdomain().default('daas-operator-leader').describe('the name of the Lease'),
    leaderElectionNamespace: dnsLabel('expected a namespace name')
      .optional()
      .describe("the namespace of the Lease (unset: the pod's own)"),
    leaseDuration: duration.prefault('15s').describe('how long a Lease is valid without renewal'),
    renewDeadline: duration
      .prefault('10s')
      .describe('how long the leader keeps trying to renew before it stops leading'),
    retryPeriod: duration.prefault('2s').describe('how often candidates try to acquire or renew the Lease'),
    logLevel: z
      .enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])
      .default('info')
      .describe('trace, debug, info, warn, error, fatal or silent (pino JSON logs)'),
  })
  .superRefine((c, ctx) => {
    if (c.renewDeadline >= c.leaseDuration) {
      ctx.addIssue({
        code: 'custom',
        path: ['renewDeadline'],
        message: 'must be shorter than the lease duration',
      });
    }
    // Shorter would restart every idle watch between two bookmarks, and a few ms would loop.
    if (c.watchSilenceTimeout < 10_000) {
      ctx.addIssue({
        code: 'custom',
        path: ['watchSilenceTimeout'],
        message: 'must be at least 10s (the API server sends a bookmark about every minute)',
      });
    }
    if (c.retryPeriod >= c.renewDeadline) {
      ctx.addIssue({
        code: 'custom',
        path: ['retryPeriod'],
        message: 'must be shorter than the renew deadline',
      });
    }
  });

/** What the runtime is configured with (runOperator). */
export type RuntimeConfig = z.output<typeof runtimeConfigSchema>;

// ---- Fragments merged, and the loader. ----

export interface ConfigFragment {
  /** Who declares it (for the error when two fragments declare the same key). */
  name: string;
  schema: z.ZodObject;
}

/**
 * One object schema with every key of the fragments and every fragment's object-level checks (such
 * as renewDeadline < leaseDuration). Throws when two fragments declare different fields under one key.
 */
export function mergeConfigSchemas(fragments: readonly ConfigFragment[]): z.ZodObject {
  const shape: Record<string, z.ZodType> = {};
  const declaredBy = new Map<string, string>();
  for (const { name, schema } of fragments) {
    for (const [key, field] of Object.entries<z.ZodType>(schema.shape)) {
      const first = declaredBy.get(key);
      // Two modules may share a fragment (the same field object): it is declared once.
      if (first !== undefined && shape[key] !== field) {
        throw new Error(`configuration key ${key} (${flagOf(key)}) is declared by both ${first} and ${name}`);
      }
      declaredBy.set(key, name);
      shape[key] = field;
    }
  }
  // Object-level checks see the merged object, which has every key a fragment's check reads.
  const checks = fragments.flatMap(({ schema }) => schema._zod.def.checks ?? []) as z.core.$ZodCheck<
    Record<string, unknown>
  >[];
  return z.object(shape).check(...checks);
}

/** One flag (and variable) of a schema, as help shows it. */
export interface ConfigField {
  key: string;
  /** --kebab-case */
  flag: string;
  /** DAAS_UPPER_SNAKE, or the field's `env` metadata. */
  env: string;
  description: string | undefined;
  /** A boolean switch: the flag alone means true. */
  isSwitch: boolean;
  /** The default as one would write it, if there is one. */
  defaultText: string | undefined;
}

export const flagOf = (key: string): string => '--' + key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());

/** The metadata of a field (outer wrappers win) and its default, looking through optional/default/pipe. */
export function configFields(schema: z.ZodObject): ConfigField[] {
  return Object.entries<z.ZodType>(schema.shape).map(([key, field]) => {
    let meta: Record<string, unknown> = {};
    let defaultValue: unknown;
    let hasDefault = false;
    for (let s: z.ZodType | undefined = field; s !== undefined;) {
      meta = { ...z.globalRegistry.get(s), ...meta };
      if (s instanceof z.ZodDefault || s instanceof z.ZodPrefault) {
        if (!hasDefault) defaultValue = s.def.defaultValue;
        hasDefault = true;
        s = s.def.innerType as z.ZodType;
      } else if (s instanceof z.ZodOptional || s instanceof z.ZodNullable) {
        s = s.def.innerType as z.ZodType;
      } else if (s instanceof z.ZodPipe) {
        s = s.def.in as z.ZodType;
      } else {
        s = undefined;
      }
    }
    const env =
      typeof meta.env === 'string' ? meta.env : 'DAAS_' + key.replace(/[A-Z]/g, (c) => '_' + c).toUpperCase();
    return {
      key,
      flag: flagOf(key),
      env,
      description: typeof meta.description === 'string' ? meta.description : undefined,
      isSwitch: meta.switch === true,
      defaultText: hasDefault ? defaultText(defaultValue) : undefined,
    };
  });
}

function defaultText(value: unknown): string {
  if (value === '') return 'empty';
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    return Object.entries(value)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(',');
  }
  return JSON.stringify(value);
}

export class ConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Every flag with its description, default and variable, for --help. */
export function configUsage(schema: z.ZodObject): string {
  const fields = configFields(schema);
  const spelled = fields.map((f) => `${f.flag}${f.isSwitch ? '[=true|false]' : '=VALUE'}`);
  const width = Math.max(...spelled.map((s) => s.length)) + 2;
  return fields
    .map((f, i) => {
      const more = [`env ${f.env}`, ...(f.defaultText === undefined ? [] : [`default ${f.defaultText}`])];
      return [
        `  ${(spelled[i] ?? '').padEnd(width)}${f.description ?? ''}`,
        `  ${' '.repeat(width)}(${more.join(', ')})`,
      ].join('\n');
    })
    .join('\n');
}

/** Reads flags, then environment variables, then defaults; throws ConfigError listing every problem. */
export function parseConfig<S extends z.ZodObject>(
  schema: S,
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): z.output<S> {
  const fields = configFields(schema);
  // A bare switch means true; parseArgs would refuse "--leader-elect=false" for a boolean option.
  const switches = new Set(fields.filter((f) => f.isSwitch).map((f) => f.flag));
  const args = argv.map((a) => (switches.has(a) ? `${a}=true` : a));
  const options = Object.fromEntries(fields.map((f) => [f.flag.slice(2), { type: 'string' as const }]));
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new ConfigError([`${(err as Error).message}\nknown flags:\n${configUsage(schema)}`]);
  }
  const input: Record<string, string> = {};
  const source: Record<string, string> = {};
  for (const { key, flag, env: variable } of fields) {
    const fromFlag = values[flag.slice(2)];
    const fromEnv = env[variable];
    if (fromFlag !== undefined) {
      input[key] = fromFlag;
      source[key] = flag;
    } else if (fromEnv !== undefined && fromEnv !== '') {
      input[key] = fromEnv;
      source[key] = variable;
    } else {
      source[key] = `${flag} / ${variable}`;
    }
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const key = String(issue.path[0] ?? '');
        const where = source[key] ?? key;
        const got = input[key] === undefined ? '' : ` (got "${input[key]}")`;
        return `${where}: ${issue.message}${got}`;
      }),
    );
  }
  return parsed.data;
}

/** The runtime's own configuration alone (tests and programs with no fragment of their own). */
export function loadRuntimeConfig(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): RuntimeConfig {
  return parseConfig(runtimeConfigSchema, argv, env);
}
