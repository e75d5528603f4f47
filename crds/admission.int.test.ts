// Bad input, applied to the real API server: every object here must be refused at admission with a
// message that names the offending field and says what is wrong. Valid fixtures are minimal so each
// case breaks exactly one rule.
import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { testKubeConfig } from '../testing/kube.ts';
import { API_VERSION } from './kinds.ts';
import {
  createObject,
  deleteObject,
  refusal,
  testSession,
  useProposalNamespace,
  type TypedObject,
} from './testing/api-server.ts';

const kc = testKubeConfig();
const suffix = randomBytes(3).toString('hex');
const namespace = useProposalNamespace(kc, 'api-bad');

type Spec = Record<string, unknown>;

const session = (spec: Spec = {}, name = `bad-session-${suffix}`) => testSession(namespace.name, name, spec);

function image(spec: Spec = {}, name = `bad-image-${suffix}`): TypedObject {
  return {
    apiVersion: API_VERSION,
    kind: 'SessionImage',
    metadata: { name },
    spec: {
      displayName: 'Test image',
      runtime: 'container',
      container: { image: 'quay.io/jupyter/scipy-notebook:2025-06-02' },
      access: { protocol: 'http', port: 8888 },
      lifecycle: { defaultLifetime: '8h', maxLifetime: '72h' },
      ...spec,
    },
  };
}

const vm = {
  os: 'linux',
  disk: { containerDisk: 'quay.io/containerdisks/ubuntu:24.04' },
  bootstrap: 'cloudInit',
};

function quota(spec: Spec = {}, name = `bad-quota-${suffix}`): TypedObject {
  return {
    apiVersion: API_VERSION,
    kind: 'Quota',
    metadata: { name },
    spec: { subject: { kind: 'EachUser' }, limits: { sessions: 5 }, ...spec },
  };
}

const mount = (fields: Spec) => ({ data: { mounts: [{ name: 'scans', ...fields }] } });
const users = (count: number) => Array.from({ length: count }, (_, i) => `user${i}`);

interface BadInput {
  what: string;
  object: () => TypedObject;
  /** The field path the message must name. */
  field: string;
  /** What the message must say about it. */
  says: RegExp;
}

const badInputs: BadInput[] = [
  // Names
  {
    what: 'session name longer than 52 characters',
    object: () => session({}, `s${'x'.repeat(52)}`),
    field: 'metadata.name',
    says: /at most 52|Too long/,
  },
  {
    what: 'session name starting with a digit',
    object: () => session({}, `1-${suffix}`),
    field: 'metadata.name',
    says: /must start with a letter/,
  },
  {
    what: 'session name with a dot',
    object: () => session({}, `my.session-${suffix}`),
    field: 'metadata.name',
    says: /must start with a letter, contain only lower-case letters, digits and -/,
  },
  {
    what: 'image name with a dot',
    object: () => image({}, `jupyter.v2-${suffix}`),
    field: 'metadata.name',
    says: /only lower-case letters, digits and -/,
  },
  // Images referenced by sessions
  {
    what: 'session without an image',
    object: () => session({ image: undefined }),
    field: 'spec.image',
    says: /Required value/,
  },
  {
    what: 'image reference in upper case',
    object: () => session({ image: 'Jupyter-SciPy' }),
    field: 'spec.image',
    says: /must be a SessionImage name/,
  },
  {
    what: 'image reference longer than 63 characters',
    object: () => session({ image: 'j'.repeat(64) }),
    field: 'spec.image',
    says: /Too long/,
  },
  // Owners
  {
    what: 'session without an owner',
    object: () => session({ owner: undefined }),
    field: 'spec.owner',
    says: /Required value/,
  },
  {
    what: 'owner with a space',
    object: () => session({ owner: 'john doe' }),
    field: 'spec.owner',
    says: /must be a user name/,
  },
  {
    what: 'empty owner',
    object: () => session({ owner: '' }),
    field: 'spec.owner',
    says: /at least 1 chars long/,
  },
  {
    what: 'owner of 129 characters',
    object: () => session({ owner: 'a'.repeat(129) }),
    field: 'spec.owner',
    says: /Too long/,
  },
  // Proposals
  {
    what: 'proposal with a slash',
    object: () => session({ proposal: 'MX/2451' }),
    field: 'spec.proposal',
    says: /must be a proposal id/,
  },
  {
    what: 'proposal ending with a dash',
    object: () => session({ proposal: 'MX-2451-' }),
    field: 'spec.proposal',
    says: /starting and ending with a letter or digit/,
  },
  {
    what: 'session without a proposal',
    object: () => session({ proposal: undefined }),
    field: 'spec.proposal',
    says: /Required value/,
  },
  // State
  {
    what: 'unknown desired state',
    object: () => session({ state: 'Paused' }),
    field: 'spec.state',
    says: /Unsupported value: "Paused"/,
  },
  // Resources
  {
    what: 'negative cpu',
    object: () => session({ resources: { cpu: '-1' } }),
    field: 'spec.resources.cpu',
    says: /cpu must be greater than 0/,
  },
  {
    what: 'cpu that is not a quantity',
    object: () => session({ resources: { cpu: 'lots' } }),
    field: 'spec.resources.cpu',
    says: /should match/,
  },
  {
    what: 'zero memory',
    object: () => session({ resources: { memory: '0' } }),
    field: 'spec.resources.memory',
    says: /memory must be greater than 0 and at most 4Ti/,
  },
  {
    what: 'memory beyond any node',
    object: () => session({ resources: { memory: '8Ti' } }),
    field: 'spec.resources.memory',
    says: /at most 4Ti/,
  },
  {
    what: 'a thousand cpus as an integer',
    object: () => session({ resources: { cpu: 1000 } }),
    field: 'spec.resources.cpu',
    says: /at most 256/,
  },
  {
    what: 'disk with an unknown unit',
    object: () => session({ resources: { disk: '10GB' } }),
    field: 'spec.resources.disk',
    says: /should match/,
  },
  // GPUs
  {
    what: '17 GPUs',
    object: () => session({ resources: { gpus: 17 } }),
    field: 'spec.resources.gpus',
    says: /less than or equal to 16/,
  },
  {
    what: 'negative GPUs',
    object: () => session({ resources: { gpus: -1 } }),
    field: 'spec.resources.gpus',
    says: /greater than or equal to 0/,
  },
  {
    what: 'GPUs as a string',
    object: () => session({ resources: { gpus: 'one' } }),
    field: 'spec.resources.gpus',
    says: /must be of type integer/,
  },
  {
    what: 'GPU resource name with a space',
    object: () => image({ resources: { gpuResourceName: 'nvidia gpu' } }),
    field: 'spec.resources.gpuResourceName',
    says: /must be an extended resource name/,
  },
  {
    what: 'image default GPUs above its maximum',
    object: () => image({ resources: { default: { gpus: 2 }, max: { gpus: 1 } } }),
    field: 'spec.resources.default.gpus',
    says: /default.gpus must not exceed max.gpus/,
  },
  {
    what: 'image default memory above its maximum',
    object: () => image({ resources: { default: { memory: '64Gi' }, max: { memory: '32Gi' } } }),
    field: 'spec.resources.default.memory',
    says: /default.memory must not exceed max.memory/,
  },
  // Paths
  {
    what: 'absolute sub-path',
    object: () => session(mount({ subPath: '/etc/passwd' })),
    field: 'spec.data.mounts[0].subPath',
    says: /must be a relative path/,
  },
  {
    what: 'sub-path escaping with ..',
    object: () => session(mount({ subPath: '../mx2452/raw' })),
    field: 'spec.data.mounts[0].subPath',
    says: /must not contain a \.\. segment/,
  },
  {
    what: 'sub-path with .. in the middle',
    object: () => session(mount({ subPath: 'raw/../../x' })),
    field: 'spec.data.mounts[0].subPath',
    says: /must not contain a \.\. segment/,
  },
  {
    what: 'sub-path with a newline',
    object: () => session(mount({ subPath: 'raw\nsecret' })),
    field: 'spec.data.mounts[0].subPath',
    says: /must not contain control characters/,
  },
  {
    what: 'sub-path with a backslash',
    object: () => session(mount({ subPath: 'raw\\..\\x' })),
    field: 'spec.data.mounts[0].subPath',
    says: /backslashes/,
  },
  {
    what: 'experiment session that climbs out with ..',
    object: () => session(mount({ experimentSession: '../mx2452' })),
    field: 'spec.data.mounts[0].experimentSession',
    says: /must be an experiment session id/,
  },
  {
    what: 'experiment session with a slash',
    object: () => session(mount({ experimentSession: '2025-03-12/raw' })),
    field: 'spec.data.mounts[0].experimentSession',
    says: /no slashes/,
  },
  {
    what: 'mount that names no data',
    object: () => session(mount({})),
    field: 'spec.data.mounts[0]',
    says: /set experimentSession, subPath or both/,
  },
  {
    what: 'two mounts with the same name',
    object: () =>
      session({
        data: {
          mounts: [
            { name: 'scans', subPath: 'a' },
            { name: 'scans', subPath: 'b' },
          ],
        },
      }),
    field: 'spec.data.mounts[1]',
    says: /Duplicate value/,
  },
  {
    what: 'mount named like a data area of the operator',
    object: () => session({ data: { mounts: [{ name: 'processed', subPath: 'processed/tomo' }] } }),
    field: 'spec.data.mounts[0].name',
    says: /must not be raw, processed or home/,
  },
  {
    what: 'mount name in upper case',
    object: () => session({ data: { mounts: [{ name: 'Raw', subPath: 'raw' }] } }),
    field: 'spec.data.mounts[0].name',
    says: /must be a DNS label/,
  },
  {
    what: '17 mounts',
    object: () =>
      session({
        data: { mounts: Array.from({ length: 17 }, (_, i) => ({ name: `m${i}`, subPath: `s${i}` })) },
      }),
    field: 'spec.data.mounts',
    says: /must have at most 16 items/,
  },
  // Lifetimes
  {
    what: 'lifetime in days',
    object: () => session({ lifetime: '7d' }),
    field: 'spec.lifetime',
    says: /must be a duration such as 8h, 90m or 1h30m/,
  },
  {
    what: 'lifetime of five seconds',
    object: () => session({ lifetime: '5s' }),
    field: 'spec.lifetime',
    says: /must be between 10s and 720h/,
  },
  {
    what: 'lifetime over 30 days',
    object: () => session({ lifetime: '1000h' }),
    field: 'spec.lifetime',
    says: /must be between 10s and 720h/,
  },
  {
    what: 'idle timeout longer than the lifetime',
    object: () => session({ lifetime: '1h', idleTimeout: '2h' }),
    field: 'spec.idleTimeout',
    says: /idleTimeout must not exceed lifetime/,
  },
  {
    what: 'image default lifetime above its maximum',
    object: () => image({ lifecycle: { defaultLifetime: '100h', maxLifetime: '72h' } }),
    field: 'spec.lifecycle.defaultLifetime',
    says: /defaultLifetime must not exceed maxLifetime/,
  },
  {
    what: 'expiry warning as long as the default lifetime',
    object: () => image({ lifecycle: { defaultLifetime: '1h', maxLifetime: '72h', expiryWarning: '1h' } }),
    field: 'spec.lifecycle.expiryWarning',
    says: /expiryWarning must be shorter than defaultLifetime/,
  },
  {
    what: 'quota maximum lifetime in years',
    object: () => quota({ limits: { maxLifetime: '2y' } }),
    field: 'spec.limits.maxLifetime',
    says: /must be a duration/,
  },
  // Sharing lists
  {
    what: 'session shared with its owner',
    object: () => session({ sharedWith: ['akowalska'] }),
    field: 'spec.sharedWith',
    says: /sharedWith must not include the owner/,
  },
  {
    what: 'session shared twice with the same user',
    object: () => session({ sharedWith: ['mkowalski', 'mkowalski'] }),
    field: 'spec.sharedWith[1]',
    says: /Duplicate value: "mkowalski"/,
  },
  {
    what: 'session shared with 21 users',
    object: () => session({ sharedWith: users(21) }),
    field: 'spec.sharedWith',
    says: /must have at most 20 items/,
  },
  {
    what: 'session shared with an invalid user name',
    object: () => session({ sharedWith: ['bad user'] }),
    field: 'spec.sharedWith[0]',
    says: /must be a user name/,
  },
  // Sizes
  {
    what: 'display name of 64 characters',
    object: () => session({ displayName: 'd'.repeat(64) }),
    field: 'spec.displayName',
    says: /Too long/,
  },
  {
    what: 'image description over 1024 characters',
    object: () => image({ description: 'd'.repeat(1025) }),
    field: 'spec.description',
    says: /Too long/,
  },
  {
    what: 'node selector with 17 labels',
    object: () =>
      image({
        scheduling: { nodeSelector: Object.fromEntries(users(17).map((u) => [`example.org/${u}`, 'true'])) },
      }),
    field: 'spec.scheduling.nodeSelector',
    says: /must have at most 16 items/,
  },
  {
    what: 'more than 64 environment variables',
    object: () =>
      image({
        container: {
          image: 'quay.io/x/y:1',
          env: Array.from({ length: 65 }, (_, i) => ({ name: `V${i}`, value: '1' })),
        },
      }),
    field: 'spec.container.env',
    says: /must have at most 64 items/,
  },
  // Catalogue entries
  {
    what: 'container runtime without a container',
    object: () => image({ container: undefined }),
    field: 'spec.container',
    says: /container must be set when runtime is container/,
  },
  {
    what: 'vm runtime with a container',
    object: () => image({ runtime: 'vm', vm }),
    field: 'spec.container',
    says: /container must be set when runtime is container, and only then/,
  },
  {
    what: 'vm disk with two sources',
    object: () =>
      image({
        runtime: 'vm',
        container: undefined,
        vm: {
          ...vm,
          disk: { containerDisk: 'quay.io/containerdisks/ubuntu:24.04', persistentVolumeClaim: 'golden' },
        },
        access: { protocol: 'rdp', port: 3389 },
      }),
    field: 'spec.vm.disk',
    says: /set exactly one of containerDisk or persistentVolumeClaim/,
  },
  {
    what: 'Windows guest with cloud-init',
    object: () =>
      image({
        runtime: 'vm',
        container: undefined,
        vm: { ...vm, os: 'windows' },
        access: { protocol: 'rdp', port: 3389 },
      }),
    field: 'spec.vm.bootstrap',
    says: /Windows guests cannot use cloudInit/,
  },
  {
    what: 'unknown protocol',
    object: () => image({ access: { protocol: 'spice', port: 5900 } }),
    field: 'spec.access.protocol',
    says: /Unsupported value: "spice"/,
  },
  {
    what: 'port above 65535',
    object: () => image({ access: { protocol: 'http', port: 70000 } }),
    field: 'spec.access.port',
    says: /less than or equal to 65535/,
  },
  {
    what: 'jupyter activity signal on a VNC desktop',
    object: () => image({ access: { protocol: 'vnc', port: 5901 }, activity: { signal: 'jupyter' } }),
    field: 'spec.activity.signal',
    says: /the jupyter activity signal needs the http protocol/,
  },
  {
    what: 'warm pool for a container image',
    object: () => image({ warmPool: { size: 2 } }),
    field: 'spec.warmPool',
    says: /warmPool is only supported for the vm runtime/,
  },
  {
    what: 'container image reference with a space',
    object: () => image({ container: { image: 'quay.io/jupyter/scipy notebook' } }),
    field: 'spec.container.image',
    says: /must be a container image reference without spaces/,
  },
  {
    what: 'container image reference with an invisible character (a zero-width space)',
    object: () => image({ container: { image: 'quay.io/jupyter/scipy-notebook\u200b:2025-06-02' } }),
    field: 'spec.container.image',
    says: /must be a container image reference without spaces or invisible characters/,
  },
  {
    what: 'node selector key that is not a label key',
    object: () => image({ scheduling: { nodeSelector: { 'gpu present?': 'true' } } }),
    field: 'spec.scheduling.nodeSelector',
    says: /every nodeSelector key must be a label key/,
  },
  {
    what: 'GPU resource name without a domain',
    object: () => image({ resources: { gpuResourceName: 'gpu' } }),
    field: 'spec.resources.gpuResourceName',
    says: /must be an extended resource name with a domain/,
  },
  {
    what: 'GPU resource name that is a standard resource (memory)',
    object: () => image({ resources: { gpuResourceName: 'memory' } }),
    field: 'spec.resources.gpuResourceName',
    says: /not a standard resource such as memory/,
  },
  {
    what: 'GPU resource name in the kubernetes.io domain',
    object: () => image({ resources: { gpuResourceName: 'kubernetes.io/memory' } }),
    field: 'spec.resources.gpuResourceName',
    says: /nor in the kubernetes.io domain/,
  },
  {
    what: 'environment variable name starting with a digit',
    object: () => image({ container: { image: 'quay.io/x/y:1', env: [{ name: '1BAD', value: 'x' }] } }),
    field: 'spec.container.env[0].name',
    says: /must be an environment variable name/,
  },
  {
    what: 'icon over plain http',
    object: () => image({ iconURL: 'http://icons.example/jupyter.svg' }),
    field: 'spec.iconURL',
    says: /must be an https:\/\/ URL/,
  },
  // Quotas
  {
    what: 'EachUser quota naming a user',
    object: () => quota({ subject: { kind: 'EachUser', name: 'akowalska' } }),
    field: 'spec.subject.name',
    says: /must be empty for EachUser/,
  },
  {
    what: 'User quota without a user',
    object: () => quota({ subject: { kind: 'User' } }),
    field: 'spec.subject.name',
    says: /name is required for User, Group and Proposal subjects/,
  },
  {
    what: 'unknown quota subject kind',
    object: () => quota({ subject: { kind: 'Team', name: 'x' } }),
    field: 'spec.subject.kind',
    says: /Unsupported value: "Team"/,
  },
  {
    what: 'negative session limit',
    object: () => quota({ limits: { sessions: -1 } }),
    field: 'spec.limits.sessions',
    says: /greater than or equal to 0/,
  },
  {
    what: 'quota memory that is not a quantity',
    object: () => quota({ limits: { memory: 'a lot' } }),
    field: 'spec.limits.memory',
    says: /should match/,
  },
  {
    what: 'quota without limits',
    object: () => quota({ limits: undefined }),
    field: 'spec.limits',
    says: /Required value/,
  },
  {
    what: 'object without a spec',
    object: () => ({ ...quota(), spec: undefined }),
    field: 'spec',
    says: /Required value/,
  },
];

describe('the API server refuses bad input with a message naming the field', () => {
  test('the table has at least 40 cases', () => {
    expect(badInputs.length).toBeGreaterThanOrEqual(40);
  });

  test.concurrent.each(badInputs)('$what', async ({ object, field, says }) => {
    const body = object();
    // Should a case be wrongly accepted, remove the object so it cannot leak into other tests.
    const message = await refusal(createObject(kc, body)).catch(async (error: unknown) => {
      await deleteObject(kc, body);
      throw error;
    });
    expect(message).toContain(`${field}:`);
    expect(message).toMatch(says);
  });
});
