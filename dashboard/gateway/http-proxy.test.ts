// Redirects from a session's server, as the browser sees them through the gateway.
import { describe, expect, it } from 'vitest';
import { rewriteLocation, type ProxyRoute } from './http-proxy.ts';

const route = (basePath: string): ProxyRoute => ({
  target: { protocol: 'http', host: '127.8.1.9', port: 8888, basePath },
  prefix: '/sessions/proposal-mx-2451/quick-look/',
  rest: '',
  token: 'secret',
});

describe('redirects through the gateway', () => {
  it("map the server's base path onto the gateway path, absolute or not", () => {
    const r = route('/sessions/quick-look/');
    expect(rewriteLocation('/sessions/quick-look/lab?reset', r)).toBe(
      '/sessions/proposal-mx-2451/quick-look/lab?reset',
    );
    expect(rewriteLocation('http://127.8.1.9:8888/sessions/quick-look/tree', r)).toBe(
      '/sessions/proposal-mx-2451/quick-look/tree',
    );
  });

  it('leave other locations alone, and never point the browser at the pod', () => {
    const r = route('/sessions/quick-look/');
    expect(rewriteLocation('https://docs.jupyter.org/', r)).toBe('https://docs.jupyter.org/');
    expect(rewriteLocation('http://127.8.1.9:8888/elsewhere', r)).toBe('/elsewhere');
    expect(
      rewriteLocation(
        '/sessions/proposal-mx-2451/quick-look/lab',
        route('/sessions/proposal-mx-2451/quick-look/'),
      ),
    ).toBe('/sessions/proposal-mx-2451/quick-look/lab');
  });
});
