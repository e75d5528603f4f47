// The operator's entry point: `npm run operator -- --kubeconfig=... --namespaces=a,b`;
// `npm run operator -- --help` lists every flag with its variable and default.
import { KubeconfigError } from '../runtime/kubeconfig.ts';
import { ConfigError, usage } from './config.ts';
import { startOperator } from './start.ts';

const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  process.stdout.write(
    'usage: npm run operator -- [--flag=value ...]\n' +
      'Every flag can also be set by its environment variable; a flag wins over its variable.\n\n' +
      `${usage()}\n`,
  );
  process.exit(0);
}

let operator;
try {
  operator = await startOperator({ argv });
} catch (err) {
  if (!(err instanceof ConfigError) && !(err instanceof KubeconfigError)) throw err;
  process.stderr.write(`${err.message}\n`);
  process.exit(2);
}
process.exitCode = await operator.done;
