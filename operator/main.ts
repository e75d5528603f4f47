// The operator's entry point: `npm run operator -- --kubeconfig=... --namespaces=a,b`.
// Reconcilers of the daas kinds register here (a later issue); today it runs the bare runtime.
import { ConfigError, loadConfig } from './config.ts';
import { runOperator } from './runtime/app.ts';

let config;
try {
  config = loadConfig(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`${err.message}\n`);
  process.exit(2);
}

const operator = await runOperator(config, {
  register: () => {
    // No controllers yet.
  },
});
process.exitCode = await operator.done;
