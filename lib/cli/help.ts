// The CLI's help, generated from the command modules: each command's usages with their summaries, then the flags
// that carry help lines (the shared ones first, then each command's own), then where the configuration comes from.
import type { Command, FlagSpec } from './command.js';

/** Where a command's summary starts (a longer synopsis puts it on the next line). */
const SUMMARY_COLUMN = 44;
/** Where a flag's help starts. */
const FLAG_HELP_COLUMN = 19;
const INDENT = '  ';

const CONFIGURATION_NOTE = `Configuration comes from the environment, as for the deployed functions: ACCOUNTS_FILE, ACCOUNTS_SECRET_ID or
ACCOUNTS_PARAMETER_NAME (or the single-account variables), TABLE_NAME and the stage's *_QUEUE_URL variables.
LOCAL_STACK_FILE=<path> acts on a local stack started with \`npm start -- --endpoints-file <path>\` instead.`;

/** `  head    text[0]` and the rest of `text` aligned below it; the text starts on the next line when `head` is too long. */
function columns(head: string, text: readonly string[], column: number): string[] {
  const width = column - INDENT.length;
  const [first = '', ...rest] = text;
  const lead = head.length < width ? [`${INDENT}${head.padEnd(width)}${first}`] : [`${INDENT}${head}`, `${' '.repeat(column)}${first}`];
  return [...lead, ...rest.map((line) => `${' '.repeat(column)}${line}`)];
}

/** The flags listed under Options: those with help lines, each once, the shared ones first. */
function documentedFlags(commands: readonly Command[], commonFlags: readonly FlagSpec[]): FlagSpec[] {
  const flags = new Set<FlagSpec>([...commonFlags, ...commands.flatMap((c) => c.flags)]);
  return [...flags].filter((flag) => flag.help !== undefined);
}

/** The whole help text, ending with a newline. */
export function formatHelp(commands: readonly Command[], commonFlags: readonly FlagSpec[]): string {
  const commandLines = commands.flatMap((command) => command.usage.flatMap((usage) => columns(usage.synopsis, usage.summary, SUMMARY_COLUMN)));
  const flagLines = documentedFlags(commands, commonFlags).flatMap((flag) =>
    columns(`--${flag.name}${flag.value === undefined ? '' : ` ${flag.value}`}`, flag.help ?? [], FLAG_HELP_COLUMN),
  );
  return [
    'Usage: shipstation-klaviyo <command> [options]',
    '',
    'Commands:',
    ...commandLines,
    ...columns('help', ['show this text'], SUMMARY_COLUMN),
    '',
    'Options:',
    ...flagLines,
    '',
    CONFIGURATION_NOTE,
    '',
  ].join('\n');
}
