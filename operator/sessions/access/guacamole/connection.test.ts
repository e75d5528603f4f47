import { describe, expect, it } from 'vitest';
import { image, session } from '../../fixtures.ts';
import {
  connectionDrift,
  connectionParameters,
  desiredConnection,
  groupName,
  readers,
} from './connection.ts';

const rdp = image('windows', { access: { protocol: 'rdp', port: 3389 } });
const credentials = { token: 'tok-256-bits', vncPassword: 'Abcd2345' };

const windowsConnection = () =>
  desiredConnection({
    session: session('w', {}, 'windows'),
    image: rdp,
    address: '127.9.1.4',
    credentials,
    groupId: '4',
  });

describe('the desired Guacamole connection', () => {
  it('points at the pod, with the session token as password and the owner as user (rdp)', () => {
    const c = windowsConnection();
    expect(c).toEqual({
      parentIdentifier: '4',
      name: 'w',
      protocol: 'rdp',
      parameters: {
        hostname: '127.9.1.4',
        port: '3389',
        username: 'akowalska',
        password: 'tok-256-bits',
        security: 'any',
        'ignore-cert': 'true',
      },
      attributes: {},
    });
  });

  it("logs in as the account the workload made (a VM's guest user), unless the image names one", () => {
    const input = { session: session('w', {}, 'windows'), image: rdp, address: '127.9.1.4', credentials };
    expect(connectionParameters({ ...input, login: 'a_kowalska' }).username).toBe('a_kowalska');
    const named = image('windows', {
      access: { protocol: 'rdp', port: 3389, guacamole: { username: 'lab' } },
    });
    expect(connectionParameters({ ...input, image: named, login: 'a_kowalska' }).username).toBe('lab');
  });

  it("takes the image's username and extra parameters, but never lets them replace the operator's", () => {
    const ssh = image('shell', {
      access: {
        protocol: 'ssh',
        port: 22,
        guacamole: { username: 'scientist', parameters: { 'font-size': '14' } },
      },
    });
    // Bypassing admission (which refuses it), an image's "hostname" is still ignored.
    const sneaky = structuredClone(ssh);
    (sneaky.spec.access.guacamole as { parameters: Record<string, string> }).parameters.hostname = '10.0.0.1';
    const p = connectionParameters({
      session: session('s', {}, 'shell'),
      image: sneaky,
      address: '127.9.1.5',
      credentials,
    });
    expect(p).toEqual({
      hostname: '127.9.1.5',
      port: '22',
      username: 'scientist',
      password: 'tok-256-bits',
      'font-size': '14',
    });
  });

  it('gives vnc the VNC password and no username', () => {
    const vnc = image('desk', { access: { protocol: 'vnc', port: 5901, guacamole: {} } });
    const p = connectionParameters({
      session: session('d', {}, 'desk'),
      image: vnc,
      address: '127.9.1.6',
      credentials,
    });
    expect(p).toEqual({ hostname: '127.9.1.6', port: '5901', password: 'Abcd2345' });
  });

  it('reads for the owner and every sharedWith user, once each', () => {
    expect(readers(session('x', { sharedWith: ['zoe', 'bob'] }))).toEqual(['akowalska', 'bob', 'zoe']);
    expect(groupName('MX-2451')).toBe('Proposal MX-2451');
  });

  it('names what drifted without values (a password never appears)', () => {
    const desired = windowsConnection();
    const live = { name: 'w', parentIdentifier: '4', protocol: 'rdp' };
    expect(connectionDrift(desired, live, { ...desired.parameters })).toEqual([]);
    const edited = {
      ...desired.parameters,
      password: 'guessed',
      hostname: '10.1.1.1',
      'enable-drive': 'true',
    };
    const drift = connectionDrift(desired, { ...live, name: 'renamed' }, edited);
    expect(drift).toEqual(['name', 'parameters.enable-drive', 'parameters.hostname', 'parameters.password']);
    expect(drift.join()).not.toContain('guessed');
    expect(connectionDrift(desired, live, { ...desired.parameters, 'color-depth': '' })).toEqual([]);
  });
});
