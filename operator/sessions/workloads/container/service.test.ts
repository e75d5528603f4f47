import { describe, expect, it } from 'vitest';
import { buildInput, session, vncImage } from '../../fixtures.ts';
import { generateService } from './service.ts';

describe('generateService', () => {
  it('exposes the access port of the session pod only', () => {
    expect(generateService(buildInput())).toMatchObject({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'daas-quick-look', namespace: 'proposal-mx-2451' },
      spec: {
        type: 'ClusterIP',
        selector: { 'daas.calipsoplus.eu/session': 'quick-look' },
        ports: [{ name: 'http', port: 8888, targetPort: 8888, protocol: 'TCP' }],
      },
    });
    const vnc = generateService(buildInput({ image: vncImage, session: session('d', {}, 'xfce-desktop') }));
    expect(vnc.spec?.ports).toEqual([{ name: 'vnc', port: 5901, targetPort: 5901, protocol: 'TCP' }]);
    expect(vnc.spec?.selector).toEqual({ 'daas.calipsoplus.eu/session': 'd' });
  });
});
