// Operator configuration from flags (first) and environment variables (DAAS_*), validated with zod.
// Every bad value is reported at once, naming the flag or variable it came from.
import { parseArgs } from 'node:util';
import { z } from 'zod';

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** "15s", "1m30s", "500ms", "2h" → milliseconds. */
export function parseDuration(text: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let matched = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * (unit[m[2] ?? ''] ?? NaN);
    matched = re.lastIndex;
  }
  return matched === text.length && text.length > 0 ? total : undefined;
}

const duration = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) {
    ctx.addIssue({
      code: 'custom',
      message: 'expected a duration such as 15s, 500ms or 1m30s',
    });
    return z.NEVER;
  }
  return ms;
});

const boolean = z.string().transform((text, ctx) => {
  if (/^(true|1|yes)$/i.test(text)) return true;
  if (/^(false|0|no)$/i.test(text)) return false;
  ctx.addIssue({ code: 'custom', message: 'expected true or false' });
  return z.NEVER;
});

const address = z.string().refine((a) => a === '0' || /^(\[[0-9a-fA-F:]+\]|[^:]*)?:?\d{1,5}$/.test(a), {
  error: 'expected host:port, :port, or 0 to disable',
});

const pathTemplate = z
  .string()
  .regex(
    /^(\/|\{proposalPath\}|\{dataRoot\})[^\0]*$/,
    'expected an absolute path template such as /data/{proposal}',
  );
const optionalPathTemplate = z
  .string()
  .regex(
    /^((\/|\{proposalPath\}|\{dataRoot\})[^\0]*)?$/,
    'expected an absolute path template, or empty for none',
  );

const labelList = z.string().transform((text, ctx) => {
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

const id = z
  .string()
  .regex(/^\d+$/, 'expected a whole number')
  .transform(Number)
  .pipe(z.number().min(1, 'must not be 0 (sessions never run as root)').max(2147483647));

export const configSchema = z
  .object({
    kubeconfig: z.string().min(1).optional(),
    namespaces: z
      .string()
      .default('')
      .transform((s) =>
        s
          .split(',')
          .map((n) => n.trim())
          .filter(Boolean),
      )
      .pipe(
        z.array(z.string().regex(dnsLabel, 'each namespace must be a DNS label (lower case, digits, -)')),
      ),
    workers: z
      .string()
      .default('4')
      .transform((s) => (/^\s*-?\d+(\.\d+)?\s*$/.test(s) ? Number(s) : NaN))
      .pipe(
        z
          .number('expected a whole number')
          .int('expected a whole number')
          .min(1, 'must be from 1 to 64')
          .max(64, 'must be from 1 to 64'),
      ),
    metricsBindAddress: address.default(':8080'),
    healthProbeBindAddress: address.default(':8081'),
    leaderElect: boolean.default(true),
    leaderElectionId: z
      .string()
      .regex(dnsSubdomain, 'expected a DNS subdomain name')
      .default('daas-operator-leader'),
    leaderElectionNamespace: z.string().regex(dnsLabel, 'expected a namespace name').optional(),
    leaseDuration: duration.default(15_000),
    renewDeadline: duration.default(10_000),
    retryPeriod: duration.default(2000),
    logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
    // Where experiment data lives: site configuration, never user input. Templates take {proposal},
    // {beamline}, {owner}, {experimentSession} and {proposalPath}.
    nfsServer: z.string().regex(dnsSubdomain, 'expected a host name').default('nfs.facility.example'),
    dataProposalPath: pathTemplate.default('/data/proposals/{proposal}'),
    dataExperimentPath: pathTemplate.default('{proposalPath}/{experimentSession}'),
    dataProcessedPath: optionalPathTemplate.default('/data/processed/{proposal}'),
    dataHomePath: optionalPathTemplate.default(''),
    dataMountRoot: z
      .string()
      .regex(/^\/[^\0]*$/, 'expected an absolute path')
      .default('/data'),
    gatewayNamespace: z.string().regex(dnsLabel, 'expected a namespace name').default('daas-system'),
    gatewayPodLabels: labelList.default({ 'app.kubernetes.io/name': 'daas-dashboard' }),
    operatorNamespace: z.string().regex(dnsLabel, 'expected a namespace name').default('daas-system'),
    operatorPodLabels: labelList.default({ 'app.kubernetes.io/name': 'daas-operator' }),
    defaultUid: id.default(1000),
    defaultGid: id.default(1000),
    sessionHistoryTtl: duration.default(7 * 24 * 3_600_000),
    imagePullGrace: duration.default(120_000),
  })
  .superRefine((c, ctx) => {
    if (c.renewDeadline >= c.leaseDuration) {
      ctx.addIssue({
        code: 'custom',
        path: ['renewDeadline'],
        message: 'must be shorter than the lease duration',
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

export type Config = z.output<typeof configSchema>;

type Key = keyof z.input<typeof configSchema>;
const keys: Key[] = [
  'kubeconfig',
  'namespaces',
  'workers',
  'metricsBindAddress',
  'healthProbeBindAddress',
  'leaderElect',
  'leaderElectionId',
  'leaderElectionNamespace',
  'leaseDuration',
  'renewDeadline',
  'retryPeriod',
  'logLevel',
  'nfsServer',
  'dataProposalPath',
  'dataExperimentPath',
  'dataProcessedPath',
  'dataHomePath',
  'dataMountRoot',
  'gatewayNamespace',
  'gatewayPodLabels',
  'operatorNamespace',
  'operatorPodLabels',
  'defaultUid',
  'defaultGid',
  'sessionHistoryTtl',
  'imagePullGrace',
];
const booleanFlags = new Set<Key>(['leaderElect']);

const flagOf = (key: string) => '--' + key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
const envOf = (key: string) =>
  key === 'kubeconfig' ? 'KUBECONFIG' : 'DAAS_' + key.replace(/[A-Z]/g, (c) => '_' + c).toUpperCase();

export class ConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export function usage(): string {
  return keys
    .map((k) => `  ${flagOf(k)}${booleanFlags.has(k) ? '[=true|false]' : '=VALUE'}  (env ${envOf(k)})`)
    .join('\n');
}

/** Reads flags, then environment variables, then defaults; throws ConfigError listing every problem. */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): Config {
  // A bare boolean flag means true; parseArgs would refuse "--leader-elect=false" for a boolean option.
  const args = argv.map((a) => ([...booleanFlags].some((k) => a === flagOf(k)) ? `${a}=true` : a));
  const options = Object.fromEntries(keys.map((k) => [flagOf(k).slice(2), { type: 'string' as const }]));
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new ConfigError([`${(err as Error).message}\nknown flags:\n${usage()}`]);
  }
  const input: Record<string, string> = {};
  const source: Record<string, string> = {};
  for (const key of keys) {
    const fromFlag = values[flagOf(key).slice(2)];
    const fromEnv = env[envOf(key)];
    if (fromFlag !== undefined) {
      input[key] = fromFlag;
      source[key] = flagOf(key);
    } else if (fromEnv !== undefined && fromEnv !== '') {
      input[key] = fromEnv;
      source[key] = envOf(key);
    } else {
      source[key] = `${flagOf(key)} / ${envOf(key)}`;
    }
  }
  const parsed = configSchema.safeParse(input);
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

/** The session controller's part of the configuration. */
export function sessionControllerConfig(c: Config) {
  return {
    data: {
      nfsServer: c.nfsServer,
      proposalPath: c.dataProposalPath,
      experimentPath: c.dataExperimentPath,
      ...(c.dataProcessedPath ? { processedPath: c.dataProcessedPath } : {}),
      ...(c.dataHomePath ? { homePath: c.dataHomePath } : {}),
      mountRoot: c.dataMountRoot,
    },
    gateway: { namespace: c.gatewayNamespace, podLabels: c.gatewayPodLabels },
    // The operator's own pods read Jupyter's activity by pod IP: the NetworkPolicy must let them in.
    activityProbe: { namespace: c.operatorNamespace, podLabels: c.operatorPodLabels },
    defaultUid: c.defaultUid,
    defaultGid: c.defaultGid,
    historyTtlMs: c.sessionHistoryTtl,
    imagePullGraceMs: c.imagePullGrace,
  };
}
