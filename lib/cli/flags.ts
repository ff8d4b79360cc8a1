// Flag reading for every command (hand-written, no dependency): `--name value`, `--name=value` and switches, each at
// most once, checked against the flags the command declares; the flags several commands share, and their values' shapes.
import { UsageError, type FlagSpec } from './command.js';

/** Flags as read: a value, or `true` for a switch. */
export type Flags = ReadonlyMap<string, string | true>;

/** A flag the command does not declare; the dispatcher says so when another command takes it. */
export class UnknownFlagError extends UsageError {
  constructor(
    readonly verb: string,
    readonly flag: string,
  ) {
    super(`unknown flag --${flag}`);
    this.name = 'UnknownFlagError';
  }
}

export const ACCOUNT_FLAG: FlagSpec = { name: 'account', value: '<id>', help: ['only this account (default: every configured account)'] };
export const DRY_RUN_FLAG: FlagSpec = {
  name: 'dry-run',
  help: ['print the events the backfill implies; send nothing, move no cursor', '(flows install --dry-run prints the plan and creates nothing)'],
};
export const LOCAL_FLAG: FlagSpec = {
  name: 'local',
  help: ['run on the embedded local stack and simulators instead of a deployed stage', '(register-webhooks --local defaults --url to the local endpoint)'],
};

/** The flags several commands share, listed first under Options in the help. */
export const COMMON_FLAGS: readonly FlagSpec[] = [ACCOUNT_FLAG, DRY_RUN_FLAG, LOCAL_FLAG];

/**
 * Reads `--name value`, `--name=value` and bare switches; every flag at most once.
 * @throws UsageError (UnknownFlagError for a flag `flags` does not declare)
 */
export function readFlags(verb: string, flags: readonly FlagSpec[], args: readonly string[]): Flags {
  const read = new Map<string, string | true>();
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] as string;
    if (!arg.startsWith('-')) throw new UsageError(`unexpected argument "${arg}" for ${verb}`);
    if (!arg.startsWith('--')) throw new UsageError(`unknown flag ${arg}`);
    const [name = '', inline] = arg.slice(2).split(/=(.*)/s, 2);
    const spec = flags.find((f) => f.name === name);
    if (spec === undefined) throw new UnknownFlagError(verb, name);
    if (read.has(name)) throw new UsageError(`--${name} is given twice`);
    if (spec.value === undefined) {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      read.set(name, true);
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
    read.set(name, value.trim());
  }
  return read;
}

/** Whether a switch was given. */
export const isSet = (flags: Flags, name: string): boolean => flags.get(name) === true;

/** A flag's value, if given. */
export function valueOf(flags: Flags, name: string): string | undefined {
  const value = flags.get(name);
  return typeof value === 'string' ? value : undefined;
}

const ACCOUNT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** `--account <id>`, shaped like an account id; whether it is configured is checked when the command runs. */
export function accountOf(flags: Flags): string | undefined {
  const account = valueOf(flags, 'account');
  if (account === undefined) return undefined;
  if (!ACCOUNT_ID.test(account)) throw new UsageError(`--account "${account}" is not an account id (lowercase letters, digits and dashes)`);
  return account;
}

/** `--url <base URL>`: an absolute http(s) URL, if given. */
export function urlOf(flags: Flags): string | undefined {
  const url = valueOf(flags, 'url');
  if (url === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--url "${url}" is not an absolute URL (e.g. https://abc123.execute-api.us-east-1.amazonaws.com)`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new UsageError(`--url must be an https URL, got ${parsed.protocol.replace(':', '')}`);
  return url;
}
