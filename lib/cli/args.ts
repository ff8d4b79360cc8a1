// The operator CLI's arguments (hand-written, no dependency): argv → one command, or a UsageError saying exactly
// what is wrong. Values are checked for shape here; whether an account exists is checked against the configuration.

export type Command =
  | { name: 'help' }
  | { name: 'poll'; account?: string; local: boolean }
  | { name: 'backfill'; days: number; account?: string; dryRun: boolean; local: boolean }
  | { name: 'register-webhooks'; url?: string; account?: string; local: boolean }
  | { name: 'doctor'; url?: string; account?: string; local: boolean };

/** Arguments that can never work: the message says why; the caller prints it with the usage and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE = `Usage: shipstation-klaviyo <command> [options]

Commands:
  poll [--account <id>]                     poll ShipStation now and enqueue what changed
  backfill --days <N> [--account <id>] [--dry-run]
                                            re-import the last N days (1-3650) as backfill events
  register-webhooks --url <base URL> [--account <id>]
                                            subscribe ORDER_NOTIFY, SHIP_NOTIFY, FULFILLMENT_SHIPPED and
                                            FULFILLMENT_REJECTED to <base URL>/webhooks/shipstation/<account>
  doctor [--account <id>] [--url <base URL>] [--local]
                                            check configuration, both keys, key expiry, webhooks, the last
                                            poll, held events and dead letters; a verdict and fix per account
                                            (exit 1 when something is broken)
  help                                      show this text

Options:
  --account <id>   only this account (default: every configured account)
  --dry-run        print the events the backfill implies; send nothing, move no cursor
  --local          run on the embedded local stack and simulators instead of a deployed stage
                   (register-webhooks --local defaults --url to the local endpoint)
  --url            for doctor: the deployed base URL the webhooks must point at (default: any host,
                   as long as the path names the account and carries its current token)

Configuration comes from the environment, as for the deployed functions: ACCOUNTS_FILE, ACCOUNTS_SECRET_ID or
ACCOUNTS_PARAMETER_NAME (or the single-account variables), TABLE_NAME and the stage's *_QUEUE_URL variables.
`;

type FlagName = 'account' | 'days' | 'dry-run' | 'url' | 'local';

/** Flags each command takes, and whether a flag takes a value. */
const COMMAND_FLAGS: Record<Exclude<Command['name'], 'help'>, readonly FlagName[]> = {
  poll: ['account', 'local'],
  backfill: ['days', 'account', 'dry-run', 'local'],
  'register-webhooks': ['url', 'account', 'local'],
  doctor: ['url', 'account', 'local'],
};
const TAKES_VALUE: Record<FlagName, boolean> = { account: true, days: true, url: true, 'dry-run': false, local: false };

const ACCOUNT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
const MAX_DAYS = 3650;

const isCommand = (name: string): name is keyof typeof COMMAND_FLAGS => Object.hasOwn(COMMAND_FLAGS, name);

/** Reads `--name value`, `--name=value` and bare switches; every flag at most once. */
function readFlags(command: keyof typeof COMMAND_FLAGS, args: string[]): Map<FlagName, string | true> {
  const allowed = COMMAND_FLAGS[command];
  const flags = new Map<FlagName, string | true>();
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] as string;
    if (!arg.startsWith('-')) throw new UsageError(`unexpected argument "${arg}" for ${command}`);
    if (!arg.startsWith('--')) throw new UsageError(`unknown flag ${arg}`);
    const [rawName = '', inline] = arg.slice(2).split(/=(.*)/s, 2);
    const name = rawName as FlagName;
    if (!(allowed as readonly string[]).includes(name)) {
      throw new UsageError(Object.hasOwn(TAKES_VALUE, name) ? `${command} does not take --${name}` : `unknown flag --${rawName}`);
    }
    if (flags.has(name)) throw new UsageError(`--${name} is given twice`);
    if (!TAKES_VALUE[name]) {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      flags.set(name, true);
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = args[i + 1];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`--${name} needs a value`);
      value = next;
      i += 1;
    }
    if (value.trim() === '') throw new UsageError(`--${name} needs a value`);
    flags.set(name, value.trim());
  }
  return flags;
}

function accountOf(flags: Map<FlagName, string | true>): string | undefined {
  const account = flags.get('account');
  if (typeof account !== 'string') return undefined;
  if (!ACCOUNT_ID.test(account)) throw new UsageError(`--account "${account}" is not an account id (lowercase letters, digits and dashes)`);
  return account;
}

function daysOf(flags: Map<FlagName, string | true>): number {
  const days = flags.get('days');
  if (typeof days !== 'string') throw new UsageError('backfill needs --days <N>');
  if (!/^\d+$/.test(days) || Number(days) < 1 || Number(days) > MAX_DAYS) {
    throw new UsageError(`--days must be a whole number of days from 1 to ${MAX_DAYS}, got "${days}"`);
  }
  return Number(days);
}

function urlOf(flags: Map<FlagName, string | true>, required: boolean): string | undefined {
  const url = flags.get('url');
  if (typeof url !== 'string') {
    if (!required) return undefined;
    throw new UsageError('register-webhooks needs --url <deployed base URL>');
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--url "${url}" is not an absolute URL (e.g. https://abc123.execute-api.us-east-1.amazonaws.com)`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new UsageError(`--url must be an https URL, got ${parsed.protocol.replace(':', '')}`);
  return url;
}

/**
 * Parses the arguments after the program name.
 * @throws UsageError for an unknown command or flag, a missing or invalid value, or a stray argument
 */
export function parseArgs(argv: readonly string[]): Command {
  const [name, ...rest] = argv;
  if (name === undefined) throw new UsageError('no command given');
  if (name === 'help' || name === '--help' || name === '-h') {
    if (rest.length > 0) throw new UsageError(`help takes no arguments, got "${rest[0]}"`);
    return { name: 'help' };
  }
  if (!isCommand(name)) throw new UsageError(name.startsWith('-') ? `expected a command before ${name}` : `unknown command "${name}"`);
  if (rest.includes('--help') || rest.includes('-h')) return { name: 'help' };
  const flags = readFlags(name, rest);
  const local = flags.get('local') === true;
  const account = accountOf(flags);
  const withAccount = account === undefined ? {} : { account };
  switch (name) {
    case 'poll':
      return { name, ...withAccount, local };
    case 'backfill':
      return { name, days: daysOf(flags), ...withAccount, dryRun: flags.get('dry-run') === true, local };
    case 'register-webhooks':
    case 'doctor': {
      const url = urlOf(flags, name === 'register-webhooks' && !local);
      return { name, ...(url === undefined ? {} : { url }), ...withAccount, local };
    }
  }
}
