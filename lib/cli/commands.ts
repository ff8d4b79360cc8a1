// The CLI's verbs, in help order: parseArgs finds the verb and lets its module read the flags; USAGE is generated from
// the modules. Adding a verb is its module under commands/ and a line here.
import { UsageError, type Command, type CommandOptions } from './command.js';
import { backfillCommand } from './commands/backfill.js';
import { doctorCommand } from './commands/doctor.js';
import { flowsCommand } from './commands/flows.js';
import { pollCommand } from './commands/poll.js';
import { reconcileCommand } from './commands/reconcile.js';
import { registerWebhooksCommand } from './commands/register-webhooks.js';
import { replayCommand } from './commands/replay.js';
import { statusCommand } from './commands/status.js';
import { COMMON_FLAGS, UnknownFlagError } from './flags.js';
import { formatHelp } from './help.js';
import { oneLine } from './text.js';

export const COMMANDS: readonly Command[] = [
  pollCommand,
  backfillCommand,
  registerWebhooksCommand,
  doctorCommand,
  statusCommand,
  replayCommand,
  reconcileCommand,
  flowsCommand,
];

/** `shipstation-klaviyo help`, printed also under every usage error. */
export const USAGE = formatHelp(COMMANDS, COMMON_FLAGS);

/** What the arguments ask for: the help, or a command with its options. */
export type Invocation = { help: true } | { help: false; command: Command; options: CommandOptions };

/** `error: <reason>` and the usage: what bad arguments print (exit 2). */
export const formatUsageError = (reason: string): string => `error: ${oneLine(reason)}\n\n${USAGE}`;

/**
 * Parses the arguments after the program name.
 * @throws UsageError for an unknown command or flag, a missing or invalid value, or a stray argument
 */
export function parseArgs(argv: readonly string[]): Invocation {
  const [name, ...rest] = argv;
  if (name === undefined) throw new UsageError('no command given');
  if (name === 'help' || name === '--help' || name === '-h') {
    if (rest.length > 0) throw new UsageError(`help takes no arguments, got "${rest[0]}"`);
    return { help: true };
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) throw new UsageError(name.startsWith('-') ? `expected a command before ${name}` : `unknown command "${name}"`);
  if (rest.includes('--help') || rest.includes('-h')) return { help: true };
  try {
    return { help: false, command, options: command.parse(rest) };
  } catch (error) {
    // A flag of another command: say that this one does not take it.
    if (error instanceof UnknownFlagError && COMMANDS.some((c) => c.flags.some((f) => f.name === error.flag))) {
      throw new UsageError(`${error.verb} does not take --${error.flag}`);
    }
    throw error;
  }
}
