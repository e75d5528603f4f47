import { describe, expect, it } from 'vitest';
import { proxyIdentity, type TrustedProxyRules } from './trusted-proxy.ts';

const rules: TrustedProxyRules = {
  proxies: ['127.0.0.5'],
  secret: Buffer.from('s3cret-s3cret'),
  userHeader: 'X-Forwarded-User',
  groupsHeader: 'X-Forwarded-Groups',
  secretHeader: 'X-Daas-Proxy-Secret',
};

describe('trusted proxy headers', () => {
  it('believes a listed proxy that shows the secret', () => {
    expect(
      proxyIdentity(
        '::ffff:127.0.0.5',
        {
          'x-forwarded-user': 'jdupont',
          'x-forwarded-groups': 'daas:admins, staff',
          'x-daas-proxy-secret': 's3cret-s3cret',
        },
        rules,
      ),
    ).toEqual({ kind: 'user', user: 'jdupont', groups: ['daas:admins', 'staff'] });
  });

  it('refuses the headers from an unlisted address or without the right secret', () => {
    const headers = { 'x-forwarded-user': 'jdupont', 'x-daas-proxy-secret': 's3cret-s3cret' };
    expect(proxyIdentity('127.0.0.9', headers, rules)).toEqual({
      kind: 'refused',
      reason: 'identity headers from 127.0.0.9, which is not a trusted proxy',
    });
    expect(proxyIdentity('127.0.0.5', { ...headers, 'x-daas-proxy-secret': 'wrong' }, rules).kind).toBe(
      'refused',
    );
    expect(proxyIdentity('127.0.0.5', { 'x-forwarded-user': 'jdupont' }, rules).kind).toBe('refused');
  });

  it('never lets the proxy name a Kubernetes system identity or group', () => {
    const secret = { 'x-daas-proxy-secret': 's3cret-s3cret' };
    expect(proxyIdentity('127.0.0.5', { ...secret, 'x-forwarded-user': 'system:admin' }, rules).kind).toBe(
      'refused',
    );
    expect(
      proxyIdentity(
        '127.0.0.5',
        { ...secret, 'x-forwarded-user': 'eve', 'x-forwarded-groups': 'system:masters,staff' },
        rules,
      ),
    ).toEqual({ kind: 'user', user: 'eve', groups: ['staff'] });
  });

  it('has nothing to say without the user header', () => {
    expect(proxyIdentity('127.0.0.9', {}, rules)).toEqual({ kind: 'none' });
  });
});
