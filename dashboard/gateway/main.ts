// The gateway's entry point, runnable alone: `npm run gateway -- --kubeconfig=... --public-url=...`;
// `npm run gateway -- --help` lists every flag with its variable and default.
import { ConfigError, configUsage } from '../../runtime/config.ts';
import { gatewayConfigSchema } from './config.ts';
import { startGateway } from './start.ts';

const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  process.stdout.write(
    'usage: npm run gateway -- [--flag=value ...]\n' +
      'Every flag can also be set by its environment variable; a flag wins over its variable.\n\n' +
      `${configUsage(gatewayConfigSchema)}\n`,
  );
  process.exit(0);
}

let running;
try {
  running = await startGateway({ argv });
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`${err.message}\n`);
  process.exit(2);
}
const gateway = running;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void gateway.stop().then(() => process.exit(0));
  });
}
