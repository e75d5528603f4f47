import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseDuration } from './config.ts';

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
      operatorNamespace: 'daas-system',
      operatorPodLabels: { 'app.kubernetes.io/name': 'daas-operator' },
      defaultUid: 1000,
      defaultGid: 1000,
      sessionHistoryTtl: 7 * 24 * 3_600_000,
      imagePullGrace: 120_000,
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

describe('parseDuration', () => {
  it('reads Go-style durations', () => {
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('15')).toBeUndefined();
    expect(parseDuration('15s ')).toBeUndefined();
  });
});
