// The operator's entry point: `npm run operator -- --kubeconfig=... --namespaces=a,b`.
import { ConfigError, loadConfig, sessionControllerConfig } from './config.ts';
import { runOperator } from '../runtime/app.ts';
import { registerSessionController } from './sessions/controller.ts';

let config;
try {
  config = loadConfig(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`${err.message}\n`);
  process.exit(2);
}

const sessions = sessionControllerConfig(config);
const operator = await runOperator(config, {
  register: (ctx) => {
    registerSessionController(ctx, sessions);
  },
});
process.exitCode = await operator.done;
