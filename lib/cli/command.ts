// The shape of a CLI verb: one module per verb (lib/cli/commands/<verb>.ts) holds its name, usage, flags, parsing and
// run; lib/cli/commands.ts lists them, and the help is generated from what they declare.
import type { ConfigurationError } from '../config.js';
import type { Account, Clock } from '../ports.js';
import type { Wiring } from '../wiring.js';
import type { LocalSession } from './local.js';

/** Arguments that can never work: the message says why; main prints it with the usage and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A flag a command takes: `--name`, or `--name <value>` when it has a value placeholder. */
export interface FlagSpec {
  name: string;
  /** The value's placeholder in the help (`<id>`); a flag without one is a switch and takes no value. */
  value?: string;
  /** Its lines under Options in the help; a flag without them is explained by its command's usage and summary. */
  help?: readonly string[];
}

/** One form of a command in the help: `replay queues …` and `replay records …` are two. */
export interface Usage {
  /** `backfill --days <N> [--account <id>] [--dry-run]`. */
  synopsis: string;
  /** What it does, one entry per printed line. */
  summary: readonly string[];
}

/** What every command's options carry: whether it runs on the embedded local stack. */
export interface CommandOptions {
  local: boolean;
}

/** Where a command writes: results to `write` (stdout), progress and errors to `writeError` (stderr). Both masked. */
export interface CommandIo {
  write(text: string): void;
  writeError(text: string): void;
  /** Whether `write` is a terminal (`status --watch` redraws in place). */
  isTty?: boolean;
  /** Whether `writeError` is a terminal: progress is then one line redrawn in place. */
  errorIsTty?: boolean;
  /** Terminal width, to keep the progress line on one row. */
  columns?: number;
}

/** What a command runs with: the service's wiring, the masked output, the clock, and the local stack with --local. */
export interface CommandContext {
  w: Wiring;
  io: CommandIo;
  clock: Clock;
  local?: LocalSession;
}

/**
 * A verb of the CLI. Its members are methods, so a `Command<PollOptions>` is a `Command` in the list; `run` only ever
 * gets what its own `parse` returned.
 */
export interface Command<Options extends CommandOptions = CommandOptions> {
  name: string;
  usage: readonly Usage[];
  /** Every flag it takes, in the order its usage names them. */
  flags: readonly FlagSpec[];
  /**
   * Reads the arguments after the verb (`--help` is the dispatcher's).
   * @throws UsageError for an unknown flag, a missing or invalid value, or a stray argument
   */
  parse(args: readonly string[]): Options;
  /** Runs it; returns the exit code (0 done, 1 failed). A UsageError thrown here exits 2 with the usage. */
  run(options: Options, context: CommandContext): Promise<number>;
  /** What it prints, and its exit code, when the configuration cannot be loaded (else one error line, exit 1). */
  onConfigurationError?(error: ConfigurationError, io: CommandIo): number;
}

/** The accounts a command acts on: the one asked for, else all. */
export function accountsFor(w: Wiring, accountId: string | undefined): Account[] {
  if (accountId === undefined) return w.accounts.list();
  const account = w.accounts.find(accountId);
  if (account === undefined) {
    throw new UsageError(
      `unknown account "${accountId}" (configured: ${
        w.accounts
          .list()
          .map((a) => a.id)
          .join(', ') || 'none'
      })`,
    );
  }
  return [account];
}
