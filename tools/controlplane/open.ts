// `npm run open -- <namespace>/<session> [--as <user>]`: a link to open a session of the `npm start`
// cluster in the browser, obtained from the gateway's ticket API by the demo portal (demo-portal.ts).
import { readFile } from 'node:fs/promises';
import { devClusterDir } from './cluster-dir.ts';
import { gatewayUrlFile } from './demo.ts';
import { requestTicket } from './demo-portal.ts';
import { parseOpenArgs } from './open-args.ts';
import { join } from 'node:path';

const args = parseOpenArgs(process.argv.slice(2));
if (!args.ok) {
  process.stderr.write(`${args.error}\n`);
  process.exit(2);
}
const gatewayUrl = await readFile(gatewayUrlFile(devClusterDir), 'utf8').then(
  (text) => text.trim(),
  () => undefined,
);
if (!gatewayUrl) {
  process.stderr.write(`no gateway of \`npm start\` in ${devClusterDir}: run \`npm start\` first\n`);
  process.exit(1);
}
try {
  const ticket = await requestTicket({
    kubeconfig: join(devClusterDir, 'kubeconfig'),
    gatewayUrl,
    ...args.value,
  });
  process.stderr.write(`a link for ${ticket.user}; open it within 60 s (it works once):\n`);
  process.stdout.write(`${ticket.url}\n`);
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
}
