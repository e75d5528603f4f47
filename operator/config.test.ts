import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { configFields } from '../runtime/config.ts';
import { ConfigError, configSchema, loadConfig, usage } from './config.ts';
import { CONTROLLERS, sessionsModule, type ControllerModule } from './controllers.ts';

function problems(argv: string[], env: NodeJS.ProcessEnv = {}): string[] {
  try {
    loadConfig(argv, env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('loadConfig', () => {
  it('has defaults for everything', () => {
    expect(loadConfig([], {})).toEqual({
      namespaces: [],
      workers: 4,
      kubeApiQps: 0,
      kubeApiBurst: 100,
      watchSilenceTimeout: 120_000,
      metricsBindAddress: ':8080',
      healthProbeBindAddress: ':8081',
      leaderElect: true,
      leaderElectionId: 'daas-operator-leader',
      leaseDuration: 15_000,
      renewDeadline: 10_000,
      retryPeriod: 2000,
      logLevel: 'info',
      nfsServer: 'nfs.facility.example',
      dataProposalPath: '/data/proposals/{proposal}',
      dataExperimentPath: '{proposalPath}/{experimentSession}',
      dataProcessedPath: '/data/processed/{proposal}',
      dataHomePath: '',
      dataMountRoot: '/data',
      gatewayNamespace: 'daas-system',
      gatewayPodLabels: { 'app.kubernetes.io/name': 'daas-dashboard' },
      gatewayUrl: '',
      gatewayTokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token',
      guacamoleUrl: '',
      guacamoleCredentialsSecret: '',
      guacamoleDataSource: 'postgresql',
      guacamoleVnc: false,
      guacamoleRecheckInterval: 300_000,
      guacamoleReleaseTimeout: 600_000,
      guacamoleRequestTimeout: 10_000,
      operatorNamespace: 'daas-system',
      operatorServiceAccount: 'daas-operator',
      gatewayServiceAccount: 'daas-dashboard',
      operatorPodLabels: { 'app.kubernetes.io/name': 'daas-operator' },
      defaultUid: 1000,
      defaultGid: 1000,
      sessionHistoryTtl: 7 * 24 * 3_600_000,
      imagePullGrace: 120_000,
      quotas: true,
      sessionEgress: 'internet',
      clusterPodCidrs: [],
      clusterServiceCidrs: [],
      apiServerCidrs: [],
      nfsServerCidrs: [],
      clusterDnsNamespace: 'kube-system',
      clusterDnsPodLabels: { 'k8s-app': 'kube-dns' },
      virtualMachines: false,
      vmBootTimeout: 600_000,
      warmPoolNamespace: 'daas-pool',
      warmPoolMaxVms: 20,
      warmPoolMaxCpu: '64',
      warmPoolMaxMemory: '256Gi',
      warmPoolImageSelector: '',
    });
  });

  it('refuses a root uid and a relative data path, naming the variable', () => {
    expect(() =>
      loadConfig([], { DAAS_DEFAULT_UID: '0', DAAS_DATA_PROPOSAL_PATH: 'data/{proposal}' }),
    ).toThrow(
      /DAAS_DATA_PROPOSAL_PATH: expected an absolute path template[\s\S]*DAAS_DEFAULT_UID: must not be 0/,
    );
  });

  it('reads gateway pod labels as key=value pairs', () => {
    expect(loadConfig(['--gateway-pod-labels=app=gw,tier=edge'], {}).gatewayPodLabels).toEqual({
      app: 'gw',
      tier: 'edge',
    });
  });

  it('takes flags over environment variables', () => {
    const c = loadConfig(
      ['--workers=8', '--namespaces', 'p-1, p-2', '--leader-elect=false', '--kubeconfig=/k'],
      {
        DAAS_WORKERS: '2',
        DAAS_METRICS_BIND_ADDRESS: '127.0.0.1:9090',
        DAAS_LEASE_DURATION: '30s',
        DAAS_RENEW_DEADLINE: '20s',
        KUBECONFIG: '/other',
      },
    );
    expect(c.workers).toBe(8);
    expect(c.namespaces).toEqual(['p-1', 'p-2']);
    expect(c.leaderElect).toBe(false);
    expect(c.kubeconfig).toBe('/k');
    expect(c.metricsBindAddress).toBe('127.0.0.1:9090');
    expect(c.leaseDuration).toBe(30_000);
    expect(loadConfig(['--leader-elect'], { DAAS_LEADER_ELECT: 'false' }).leaderElect).toBe(true);
  });

  it('names the flag or variable of every bad value, all at once', () => {
    const found = problems(['--workers=abc', '--namespaces=Bad_NS'], {
      DAAS_LEASE_DURATION: '15 parsecs',
      DAAS_LEADER_ELECT: 'maybe',
      DAAS_LOG_LEVEL: 'loud',
    });
    expect(found).toHaveLength(5);
    expect(found.join('\n')).toMatch(/--workers: expected a whole number.*"abc"/);
    expect(found.join('\n')).toMatch(/--namespaces: each namespace must be a DNS label/);
    expect(found.join('\n')).toMatch(/DAAS_LEASE_DURATION: expected a duration .*"15 parsecs"/);
    expect(found.join('\n')).toMatch(/DAAS_LEADER_ELECT: expected true or false/);
    expect(found.join('\n')).toMatch(/DAAS_LOG_LEVEL:/);
    expect(problems(['--workers=0'])[0]).toMatch(/--workers: must be from 1 to 64/);
  });

  it('checks the leader election timings against each other', () => {
    expect(problems(['--renew-deadline=20s'])[0]).toMatch(
      /--renew-deadline: must be shorter than the lease duration/,
    );
    expect(problems(['--retry-period=10s'])[0]).toMatch(
      /--retry-period: must be shorter than the renew deadline/,
    );
  });

  it('refuses unknown flags and lists the known ones', () => {
    expect(problems(['--wrokers=3'])[0]).toMatch(/Unknown option '--wrokers'[\s\S]*--workers=VALUE/);
  });
});

describe('the merged configuration', () => {
  it('derives --help from the schema: every flag with its description and variable', () => {
    const help = usage();
    for (const field of configFields(configSchema())) {
      expect(field.description, field.key).toMatch(/\w/);
      expect(help).toContain(field.flag);
      expect(help).toContain(field.description);
      expect(help).toContain(`env ${field.env}`);
    }
    expect(help).toMatch(/--leader-elect\[=true\|false\]/);
    expect(help).toMatch(/--image-pull-grace=VALUE .*\n.*default 2m/);
    expect(help).toMatch(/--kubeconfig=VALUE .*\n.*\(env KUBECONFIG\)/);
  });

  it('is what the README documents: the same flags, no more, no fewer', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('### The operator'), readme.indexOf('### The development'));
    const documented = new Set(
      section
        .split('\n')
        .filter((line) => line.startsWith('| `--'))
        .flatMap((line) => [...(line.split(' | ')[0] ?? '').matchAll(/`(--[a-z-]+)`/g)].map((m) => m[1])),
    );
    expect(documented).toEqual(new Set(configFields(configSchema()).map((f) => f.flag)));
  });

  it("takes every registered controller's fragment", () => {
    const keys = Object.keys(configSchema().shape);
    for (const module of CONTROLLERS) {
      for (const key of Object.keys(module.config.shape)) expect(keys).toContain(key);
    }
  });

  it('reads the fragment of any controller it is given', () => {
    const extra: ControllerModule = {
      name: 'extra',
      config: z.object({ warmPoolSize: z.string().default('2').describe('pre-booted VMs') }),
      register: () => undefined,
    };
    const c = loadConfig(['--warm-pool-size=5'], { DAAS_WORKERS: '3' }, [sessionsModule, extra] as const);
    expect(c.warmPoolSize).toBe('5');
    expect(c.workers).toBe(3);
    expect(c.nfsServer).toBe('nfs.facility.example');
    expect(problems(['--warm-pool-size=5'])[0]).toMatch(/Unknown option '--warm-pool-size'/);
  });

  it('fails loudly when two fragments declare the same key', () => {
    const clash: ControllerModule = {
      name: 'images',
      config: z.object({ nfsServer: z.string().describe('again') }),
      register: () => undefined,
    };
    expect(() => configSchema([sessionsModule, clash])).toThrow(
      /nfsServer \(--nfs-server\) is declared by both the sessions controller and the images controller/,
    );
    const runtimeClash: ControllerModule = { ...clash, config: z.object({ workers: z.string() }) };
    expect(() => loadConfig([], {}, [runtimeClash])).toThrow(/workers .* both the runtime and the images/);
  });
});
