// SessionImage: one entry of the facility's catalogue of analysis environments, written by admins.
// Cluster-scoped, so one catalogue serves every proposal namespace.
import { z } from 'zod';
import { doc, immutable } from './kube-meta.ts';
import { imageResources } from './resources.ts';
import {
  beamlineField,
  conditionsField,
  durationField,
  groupNameField,
  isDuration,
  matchesRule,
  optionalText,
  patterned,
  proposalIdField,
  quantityField,
} from './primitives.ts';

const ENV_NAME = '^[A-Za-z_][A-Za-z0-9_]*$';
const envNameMessage =
  'must be an environment variable name: letters, digits and _, not starting with a digit';
// An image reference as the container runtime parses it: [registry[:port]/]path[:tag][@digest], in
// ASCII only, so an invisible or look-alike character is refused here rather than failing the pull.
const OCI_IMAGE =
  '^([A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?(:[0-9]+)?/)?[a-z0-9]+([._-]+[a-z0-9]+)*(/[a-z0-9]+([._-]+[a-z0-9]+)*)*(:[A-Za-z0-9_][-A-Za-z0-9_.]{0,127})?(@sha256:[a-f0-9]{64})?$';
const ociMessage =
  'must be a container image reference without spaces or invisible characters, such as quay.io/jupyter/scipy-notebook:2025-06-02 (ASCII letters, digits, . _ - / : and @sha256 digests; lower-case repository path)';
// Node label keys and values, as Kubernetes validates them on nodes.
const LABEL_KEY =
  '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$';
const LABEL_VALUE = '^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$';

const HTTPS_URL = '^https://[^\\s]+$';
const httpsMessage = 'must be an https:// URL without spaces';

const ociImage = (description: string) =>
  doc(patterned(512, OCI_IMAGE, ociMessage), description, {
    validations: [matchesRule(OCI_IMAGE, ociMessage)],
  });

const argList = (description: string) =>
  doc(
    z
      .array(doc(z.string().max(4096), 'One argument.'))
      .max(64)
      .optional(),
    description,
    { listType: 'atomic' },
  );

export const envVar = doc(
  z.object({
    name: doc(patterned(128, ENV_NAME, envNameMessage), 'Variable name.', {
      validations: [matchesRule(ENV_NAME, envNameMessage)],
    }),
    value: optionalText(
      4096,
      'Variable value; unset means empty (never a secret: images are readable by every user).',
    ),
  }),
  'An environment variable set in the session.',
);

export const containerRuntime = doc(
  z.object({
    image: ociImage('The OCI image to run, pinned by tag or digest.'),
    imagePullPolicy: doc(
      z.enum(['Always', 'IfNotPresent', 'Never']).default('IfNotPresent'),
      'When the node pulls the image, as in core/v1.',
    ),
    command: argList('Overrides the image entrypoint.'),
    args: argList('Arguments to the entrypoint.'),
    env: doc(z.array(envVar).max(64).optional(), 'Environment variables for the session.', {
      listType: 'map',
      listMapKeys: ['name'],
    }),
    workingDir: optionalText(1024, 'Working directory inside the container.'),
    runAsUser: doc(
      z.int().min(0).max(2147483647).optional(),
      'Numeric user id to run as when the operator does not map the session owner to a facility uid.',
    ),
    sharedMemory: quantityField(
      'Size of /dev/shm (desktops and MPI codes need more than the container default of 64Mi).',
      'sharedMemory',
      '64Gi',
    ).optional(),
  }),
  'How to run a container session. Required when runtime is container.',
);

export const vmRuntime = doc(
  z.object({
    os: doc(
      z.enum(['linux', 'windows']),
      'The guest operating system; decides how credentials and data are passed in.',
    ),
    disk: doc(
      z.object({
        containerDisk: ociImage('A KubeVirt containerDisk image holding the boot disk.').optional(),
        persistentVolumeClaim: doc(
          patterned(
            253,
            '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$',
            'must be a PersistentVolumeClaim name',
          ).optional(),
          'A golden PersistentVolumeClaim that each VM clones its boot disk from.',
        ),
        persistentVolumeClaimNamespace: doc(
          patterned(63, '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', 'must be a namespace name').optional(),
          'The namespace of the golden PersistentVolumeClaim (default kubevirt-os-images, where KubeVirt keeps golden images).',
        ),
        persistent: doc(
          z.boolean().default(false),
          "Keep each session's boot disk (a DataVolume of resources.disk) across stop and resume; false: every start boots a fresh copy.",
        ),
      }),
      'Where the boot disk comes from: exactly one of containerDisk or persistentVolumeClaim.',
      {
        validations: [
          {
            rule: 'has(self.containerDisk) != has(self.persistentVolumeClaim)',
            message: 'set exactly one of containerDisk or persistentVolumeClaim',
          },
        ],
      },
    ),
    firmware: doc(z.enum(['bios', 'efi']).default('bios'), 'Firmware to boot with (Windows 11 needs efi).'),
    secureBoot: doc(
      z.boolean().default(false),
      'Boot with UEFI secure boot (efi firmware only; Windows 11 needs it).',
    ),
    tpm: doc(z.boolean().default(false), 'Give the guest a virtual TPM (Windows 11 needs one).'),
    bootstrap: doc(
      z.enum(['cloudInit', 'sysprep', 'guestAgent', 'none']),
      'How the session user, credentials and data mount reach the guest at boot.',
    ),
  }),
  'How to run a virtual machine session with KubeVirt. Required when runtime is vm.',
  {
    validations: [
      {
        rule: "self.os != 'windows' || self.bootstrap != 'cloudInit'",
        message: 'Windows guests cannot use cloudInit: use sysprep or guestAgent',
        fieldPath: '.bootstrap',
      },
      {
        rule: "!self.secureBoot || self.firmware == 'efi'",
        message: 'secure boot needs efi firmware',
        fieldPath: '.secureBoot',
      },
    ],
  },
);

const GUACAMOLE_PARAMETER = '^[a-z0-9]+(-[a-z0-9]+)*$';
const OPERATOR_PARAMETERS = "['hostname', 'port', 'username', 'password']";

export const guacamoleAccess = doc(
  z.object({
    username: optionalText(
      64,
      'For rdp and ssh: the account Guacamole logs in as (its password is the session token in the credentials Secret). Omitted: the session owner.',
    ),
    parameters: doc(
      z
        .record(
          patterned(64, GUACAMOLE_PARAMETER, 'must be a Guacamole parameter name such as ignore-cert'),
          doc(z.string().max(1024), 'The value.'),
        )
        .optional(),
      'Extra Guacamole connection parameters, e.g. security: nla or color-depth: "24"; hostname, port, username and password are set by the operator.',
      {
        maxProperties: 32,
        validations: [
          {
            rule: `self.all(k, k.matches('${GUACAMOLE_PARAMETER}'))`,
            message: 'parameter names are lower-case words joined by -',
          },
          {
            rule: `!self.exists(k, k in ${OPERATOR_PARAMETERS})`,
            message: 'hostname, port, username and password are set by the operator',
          },
        ],
      },
    ),
  }),
  'How Apache Guacamole opens sessions of this image, when the operator runs with --guacamole-url (rdp and ssh always go through Guacamole then; on a vnc image, this field asks for Guacamole instead of the built-in gateway).',
);

export const accessSpec = doc(
  z.object({
    protocol: doc(
      z.enum(['http', 'vnc', 'rdp', 'ssh']),
      'How users reach the session: http (Jupyter and web apps, proxied per session), vnc (built-in browser client), rdp or ssh (through Apache Guacamole).',
    ),
    port: doc(
      z.int().min(1).max(65535),
      'The port the session listens on: typically 8888 (Jupyter), 5901 (VNC), 3389 (RDP) or 22 (SSH).',
    ),
    basePath: optionalText(
      256,
      "For http: the URL path the server expects to be served under; {session} is replaced by the session name and {namespace} by its namespace. Behind the gateway, /sessions/{namespace}/{session}/ is the path the browser sees, so the server's own links work unchanged.",
    ),
    guacamole: guacamoleAccess.optional(),
  }),
  'How users connect to a session of this image.',
  {
    validations: [
      {
        rule: "self.protocol == 'http' || !has(self.basePath)",
        message: 'basePath only applies to the http protocol',
        fieldPath: '.basePath',
      },
    ],
  },
);

export const lifecycleSpec = doc(
  z.object({
    defaultLifetime: durationField(
      'How long a session runs when it does not ask for a lifetime.',
      '10s',
      '720h',
    ),
    maxLifetime: durationField('The longest a session may run, extensions included.', '10s', '720h'),
    idleTimeout: durationField(
      'Sessions without activity for this long are stopped. Unset: never culled for idleness.',
      '10s',
      '720h',
    ).optional(),
    expiryWarning: durationField(
      'How long before expiry the owner is warned (Event, status and dashboard).',
      '5s',
      '24h',
    ).default('30m'),
  }),
  'Lifetime defaults and limits for sessions of this image.',
  {
    validations: [
      {
        rule: `!${isDuration('self.defaultLifetime')} || !${isDuration('self.maxLifetime')} || duration(self.defaultLifetime) <= duration(self.maxLifetime)`,
        message: 'defaultLifetime must not exceed maxLifetime',
        fieldPath: '.defaultLifetime',
      },
      {
        rule: `!has(self.expiryWarning) || !${isDuration('self.expiryWarning')} || !${isDuration('self.defaultLifetime')} || duration(self.expiryWarning) < duration(self.defaultLifetime)`,
        message: 'expiryWarning must be shorter than defaultLifetime',
        fieldPath: '.expiryWarning',
      },
    ],
  },
);

export const activitySpec = doc(
  z.object({
    signal: doc(
      z.enum(['jupyter', 'connections', 'none']),
      "What counts as activity: jupyter (the server's /api/status last_activity), connections (remote-desktop traffic through the gateway) or none (never idle).",
    ),
    probeInterval: durationField('How often the activity signal is read.', '1s', '1h').default('5m'),
  }),
  'How the operator decides that a session is idle.',
);

const principalList = <T extends z.ZodType>(item: T, description: string) =>
  doc(z.array(item).max(256).optional(), description, { listType: 'set' });

export const availabilitySpec = doc(
  z.object({
    everyone: doc(z.boolean().default(false), 'Every user with a proposal may use the image.'),
    groups: principalList(groupNameField('A group name.'), 'Members of these groups may use the image.'),
    proposals: principalList(
      proposalIdField('A proposal id.'),
      'Sessions of these proposals may use the image.',
    ),
    beamlines: principalList(
      beamlineField('A beamline name.'),
      "Sessions of proposals at these beamlines (the namespace's beamline annotation) may use the image.",
    ),
  }),
  'Who may use the image. A user may if any entry matches; with everyone false and no entries, nobody but admins can.',
);

export const sessionImageSpec = doc(
  z.object({
    displayName: doc(z.string().min(1).max(63), 'Name shown in the catalogue, e.g. "Jupyter SciPy".'),
    description: optionalText(1024, 'What the environment contains and what it is good for.'),
    iconURL: doc(
      patterned(512, HTTPS_URL, httpsMessage).optional(),
      'An https:// URL of an icon shown in the catalogue.',
      {
        validations: [matchesRule(HTTPS_URL, httpsMessage)],
      },
    ),
    tags: doc(
      z
        .array(doc(z.string().min(1).max(32), 'A tag.'))
        .max(16)
        .optional(),
      'Free-form tags for filtering the catalogue (e.g. "ptychography", "gpu").',
      { listType: 'set' },
    ),
    runtime: doc(
      z.enum(['container', 'vm']),
      'container (a Pod) or vm (a KubeVirt VirtualMachine). Immutable.',
      {
        validations: [
          immutable('runtime', 'sessions already built on this image depend on it; create a new image'),
        ],
      },
    ),
    container: containerRuntime.optional(),
    vm: vmRuntime.optional(),
    access: accessSpec,
    resources: imageResources.optional(),
    lifecycle: lifecycleSpec,
    activity: activitySpec.optional(),
    availability: availabilitySpec.optional(),
    warmPool: doc(
      z.object({
        size: doc(z.int().min(0).max(50), 'How many pre-booted VMs to keep ready to be claimed.'),
      }),
      'A pool of pre-booted VMs that new sessions claim, because VM boot is slow. vm runtime only.',
    ).optional(),
    scheduling: doc(
      z.object({
        nodeSelector: doc(
          z
            .record(
              patterned(317, LABEL_KEY, 'must be a label key such as nvidia.com/gpu.present'),
              doc(z.string().max(63).regex(new RegExp(LABEL_VALUE), 'must be a label value'), 'Label value.'),
            )
            .optional(),
          'Labels a node must have to run sessions of this image.',
          {
            maxProperties: 16,
            validations: [
              {
                rule: `self.all(k, k.matches('${LABEL_KEY.replaceAll('\\', '\\\\')}'))`,
                message:
                  'every nodeSelector key must be a label key such as nvidia.com/gpu.present (prefix/name, name at most 63 characters)',
              },
              {
                rule: `self.all(k, self[k].matches('${LABEL_VALUE.replaceAll('\\', '\\\\')}'))`,
                message:
                  'every nodeSelector value must be a label value: at most 63 letters, digits, - _ . starting and ending with a letter or digit',
              },
            ],
          },
        ),
        priorityClassName: optionalText(253, 'PriorityClass of the session pods or VMs.'),
      }),
      'Where sessions of this image may run.',
    ).optional(),
    disabled: doc(
      z.boolean().default(false),
      'Refuse new sessions of this image; running ones continue. Use it to retire an image.',
    ),
    hidden: doc(
      z.boolean().default(false),
      'Do not list the image in the dashboard catalogue (it still works by name).',
    ),
  }),
  'A catalogue entry: what runs, how users connect, and the limits that apply.',
  {
    validations: [
      {
        rule: "(self.runtime == 'container') == has(self.container)",
        message: 'container must be set when runtime is container, and only then',
        fieldPath: '.container',
      },
      {
        rule: "(self.runtime == 'vm') == has(self.vm)",
        message: 'vm must be set when runtime is vm, and only then',
        fieldPath: '.vm',
      },
      {
        rule: "!has(self.warmPool) || self.runtime == 'vm'",
        message: 'warmPool is only supported for the vm runtime',
        fieldPath: '.warmPool',
      },
      {
        rule: "!has(self.activity) || self.activity.signal != 'jupyter' || self.access.protocol == 'http'",
        message: 'the jupyter activity signal needs the http protocol',
        fieldPath: '.activity.signal',
      },
      {
        rule: "!has(self.lifecycle.idleTimeout) || !has(self.activity) || self.activity.signal != 'none'",
        message: 'idleTimeout needs an activity signal other than none',
        fieldPath: '.lifecycle.idleTimeout',
      },
    ],
  },
);

export const sessionImageStatus = doc(
  z.object({
    observedGeneration: doc(z.int().min(0).optional(), 'The generation the operator last acted on.'),
    conditions: conditionsField(
      'Ready (the image can start sessions), WarmPoolReady (vm images with a pool).',
    ),
    sessions: doc(z.int().min(0).optional(), 'Sessions currently using this image.'),
    warmPool: doc(
      z.object({
        ready: doc(z.int().min(0), 'Pre-booted VMs ready to be claimed.'),
        booting: doc(z.int().min(0).optional(), 'Pool VMs starting, not yet ready to be claimed.'),
        claimed: doc(z.int().min(0), 'Pool VMs claimed by sessions (they never return to the pool).'),
        message: doc(
          z.string().max(1024).optional(),
          'Why the pool holds fewer VMs than its size (the pool budget), in plain words.',
        ),
      }),
      'Warm pool counts, written by the pool controller.',
    ).optional(),
  }),
  'What the operator observed about the image.',
);

export type SessionImageSpec = z.infer<typeof sessionImageSpec>;
export type SessionImageStatus = z.infer<typeof sessionImageStatus>;
