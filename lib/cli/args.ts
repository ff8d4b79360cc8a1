// The operator CLI's arguments (hand-written, no dependency): argv → one command, or a UsageError saying exactly
// what is wrong. Values are checked for shape here; whether an account exists is checked against the configuration.

export type Command =
  | { name: 'help' }
  | { name: 'poll'; account?: string; local: boolean }
  | { name: 'backfill'; days: number; account?: string; dryRun: boolean; local: boolean }
  | { name: 'register-webhooks'; url?: string; account?: string; local: boolean }
  | { name: 'doctor'; url?: string; account?: string; local: boolean }
  | ReplayCommand
  | ReconcileCommand;

/** `reconcile --since <N>d`: compare ShipStation with what was sent over the last N days; `fix` enqueues what is missing. */
export type ReconcileCommand = { name: 'reconcile'; sinceDays: number; account?: string; fix: boolean; local: boolean };

/** `replay queues` moves DLQ messages back to their queues; `replay records` re-sends dead-letter records. */
export type ReplayCommand =
  | { name: 'replay'; target: 'queues'; queue?: ReplayQueue; dryRun: boolean; limit?: number; local: boolean }
  | { name: 'replay'; target: 'records'; account?: string; dryRun: boolean; limit?: number; local: boolean };

export const REPLAY_QUEUES = ['notifications', 'updates', 'history', 'polls'] as const;
export type ReplayQueue = (typeof REPLAY_QUEUES)[number];

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
                                            FULFILLMENT_REJECTED to <base URL>/webhooks/shipstation/<account>,
                                            and (with a V2 key) V2 track_event_v2 to <base URL>/webhooks/tracking/<account>
  doctor [--account <id>] [--url <base URL>] [--local]
                                            check configuration, both keys, key expiry, webhooks, the last
                                            poll, held events, dead letters and tracking; a verdict and fix per account
                                            (exit 1 when something is broken)
  replay queues [--queue <name>] [--dry-run] [--limit <N>]
                                            move the messages of the dead-letter queues (notifications,
                                            updates, history, polls) back to their queues
  replay records [--account <id>] [--dry-run] [--limit <N>]
                                            re-send the dead-letter records Klaviyo refused, once the cause
                                            is fixed (exit 1 when one failed or an account is paused)
  reconcile --since <N>d [--account <id>] [--fix]
                                            count orders per ShipStation status and labels against the
                                            events recorded as sent over the last N days (1-90); list the
                                            missing and extra ones (exit 1 when something is missing)
  help                                      show this text

Options:
  --account <id>   only this account (default: every configured account)
  --dry-run        print the events the backfill implies; send nothing, move no cursor
  --local          run on the embedded local stack and simulators instead of a deployed stage
                   (register-webhooks --local defaults --url to the local endpoint)
  --url            for doctor: the deployed base URL the webhooks must point at (default: any host,
                   as long as the path names the account and carries its current token)
  --queue <name>   for replay queues: only this queue's dead-letter queue
  --limit <N>      for replay: move or re-send at most N messages or records in all
                   (replay --dry-run counts and shows what would be replayed and changes nothing)
  --since <N>d     for reconcile: orders modified and labels created in the last N days (1-90;
                   7d or 7)
  --fix            for reconcile: enqueue the snapshots of the missing events; the consumers send them

Configuration comes from the environment, as for the deployed functions: ACCOUNTS_FILE, ACCOUNTS_SECRET_ID or
ACCOUNTS_PARAMETER_NAME (or the single-account variables), TABLE_NAME and the stage's *_QUEUE_URL variables.
`;

type FlagName = 'account' | 'days' | 'dry-run' | 'url' | 'local' | 'queue' | 'limit' | 'since' | 'fix';

/** Flags each command takes, and whether a flag takes a value. */
const COMMAND_FLAGS: Record<Exclude<Command['name'], 'help'>, readonly FlagName[]> = {
  poll: ['account', 'local'],
  backfill: ['days', 'account', 'dry-run', 'local'],
  'register-webhooks': ['url', 'account', 'local'],
  doctor: ['url', 'account', 'local'],
  reconcile: ['since', 'account', 'fix', 'local'],
  // Both targets; parseReplay refuses the flag of the other one.
  replay: ['queue', 'account', 'dry-run', 'limit', 'local'],
};
const TAKES_VALUE: Record<FlagName, boolean> = { account: true, days: true, url: true, 'dry-run': false, local: false, queue: true, limit: true, since: true, fix: false };

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

const MAX_LIMIT = 1_000_000;

/** `replay queues|records [flags]`: the target first, then flags; each target refuses the other's flag. */
function parseReplay(rest: string[]): ReplayCommand {
  const [target, ...args] = rest;
  if (target === undefined || target.startsWith('-')) throw new UsageError('replay needs what to replay: queues or records');
  if (target !== 'queues' && target !== 'records') throw new UsageError(`replay replays queues or records, got "${target}"`);
  const flags = readFlags('replay', args);
  const other: FlagName = target === 'queues' ? 'account' : 'queue';
  if (flags.has(other)) throw new UsageError(`replay ${target} does not take --${other}`);
  const dryRun = flags.get('dry-run') === true;
  const local = flags.get('local') === true;
  const limit = flags.get('limit');
  if (limit !== undefined && (typeof limit !== 'string' || !/^\d+$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_LIMIT)) {
    throw new UsageError(`--limit must be a whole number from 1 to ${MAX_LIMIT}, got "${String(limit)}"`);
  }
  const withLimit = limit === undefined ? {} : { limit: Number(limit) };
  if (target === 'records') {
    const account = accountOf(flags);
    return { name: 'replay', target, ...(account === undefined ? {} : { account }), dryRun, ...withLimit, local };
  }
  const queue = flags.get('queue');
  if (queue !== undefined && !(REPLAY_QUEUES as readonly unknown[]).includes(queue)) {
    throw new UsageError(`--queue must be one of ${REPLAY_QUEUES.join(', ')}, got "${String(queue)}"`);
  }
  return { name: 'replay', target, ...(queue === undefined ? {} : { queue: queue as ReplayQueue }), dryRun, ...withLimit, local };
}

const MAX_SINCE_DAYS = 90;

/** `reconcile --since <N>d [--account <id>] [--fix]`; N also without the `d`, from 1 to 90. */
function parseReconcile(rest: string[]): ReconcileCommand {
  const flags = readFlags('reconcile', rest);
  const since = flags.get('since');
  if (typeof since !== 'string') throw new UsageError('reconcile needs --since <N>d (e.g. --since 7d)');
  const match = /^(\d+)d?$/.exec(since);
  const days = Number(match?.[1]);
  if (match === null || days < 1 || days > MAX_SINCE_DAYS) {
    throw new UsageError(`--since must be a number of days from 1 to ${MAX_SINCE_DAYS}, like 7d, got "${since}"`);
  }
  const account = accountOf(flags);
  return { name: 'reconcile', sinceDays: days, ...(account === undefined ? {} : { account }), fix: flags.get('fix') === true, local: flags.get('local') === true };
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
  if (name === 'replay') return parseReplay(rest);
  if (name === 'reconcile') return parseReconcile(rest);
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
