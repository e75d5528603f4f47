// The arguments of `npm run open -- <namespace>/<session> [--as <user>]`, checked with errors that
// name what is wrong. Pure.
import { DNS_LABEL, DNS_SUBDOMAIN } from '../../runtime/config.ts';

export interface OpenArgs {
  namespace: string;
  name: string;
  user?: string;
}

export const OPEN_USAGE = 'usage: npm run open -- <namespace>/<session> [--as <user>]';

export function parseOpenArgs(
  argv: readonly string[],
): { ok: true; value: OpenArgs } | { ok: false; error: string } {
  const positional: string[] = [];
  let user: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--as' || arg.startsWith('--as=')) {
      user = arg === '--as' ? argv[++i] : arg.slice('--as='.length);
      if (!user) return { ok: false, error: `--as needs a user name\n${OPEN_USAGE}` };
    } else if (arg.startsWith('-')) return { ok: false, error: `unknown option ${arg}\n${OPEN_USAGE}` };
    else positional.push(arg);
  }
  if (positional.length !== 1) return { ok: false, error: `name one session\n${OPEN_USAGE}` };
  const [namespace = '', name = '', extra] = (positional[0] ?? '').split('/');
  if (extra !== undefined || !DNS_LABEL.test(namespace) || !DNS_SUBDOMAIN.test(name))
    return {
      ok: false,
      error: `expected <namespace>/<session> such as proposal-mx-2451/quick-look, got ${JSON.stringify(positional[0])}\n${OPEN_USAGE}`,
    };
  return { ok: true, value: user === undefined ? { namespace, name } : { namespace, name, user } };
}
