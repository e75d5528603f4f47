// The dashboard's entry point, with the gateway in the same process: `npm run dashboard -- --help`
// lists every flag with its variable and default.
import { ConfigError, configUsage } from '../runtime/config.ts';
import { dashboardConfigSchema } from './config.ts';
import { startDashboard } from './start.ts';

const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  process.stdout.write(
    'usage: npm run dashboard -- [--flag=value ...]\n' +
      'The dashboard and, on its own port, the gateway. Every flag can also be set by its environment\n' +
      'variable; a flag wins over its variable.\n\n' +
      `${configUsage(dashboardConfigSchema)}\n`,
  );
  process.exit(0);
}

let running;
try {
  running = await startDashboard({ argv });
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`${err.message}\n`);
  process.exit(2);
}
const dashboard = running;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void dashboard.stop().then(() => process.exit(0));
  });
}
