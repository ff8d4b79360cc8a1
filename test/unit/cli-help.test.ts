// The CLI's help is generated from its command modules: every verb with its usages and summaries, every flag it takes,
// and the usage printed under an unknown verb's error names them all; a new module shows up without editing the help.
import { UsageError, type Command, type CommandOptions } from '../../lib/cli/command.js';
import { COMMANDS, formatUsageError, parseArgs, USAGE } from '../../lib/cli/commands.js';
import { COMMON_FLAGS, LOCAL_FLAG } from '../../lib/cli/flags.js';
import { formatHelp } from '../../lib/cli/help.js';

/** What the arguments' UsageError says, printed as main prints it. */
function usageErrorOf(argv: readonly string[]): string {
  try {
    parseArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) return formatUsageError(error.message);
    throw error;
  }
  throw new Error(`${JSON.stringify(argv)} parsed`);
}

const lines = (text: string): string[] => text.split('\n').map((line) => line.trim());

const exampleCommand: Command<CommandOptions> = {
  name: 'example',
  usage: [{ synopsis: 'example --colour <name> [--local]', summary: ['an example verb', 'over two lines'] }],
  flags: [{ name: 'colour', value: '<name>', help: ['for example: the colour'] }, LOCAL_FLAG],
  parse: () => ({ local: false }),
  run: async () => 0,
};

describe('the generated help', () => {
  it.each(COMMANDS.map((command) => [command.name, command] as const))('shows %s with each of its usages and summary lines', (_name, command) => {
    // Act
    const help = lines(USAGE);

    // Assess
    for (const usage of command.usage) {
      const at = help.findIndex((line) => line.startsWith(usage.synopsis));
      expect(at).toBeGreaterThan(0);
      const text = help.slice(at, at + usage.summary.length + 1).join(' ');
      for (const summaryLine of usage.summary) expect(text).toContain(summaryLine);
    }
  });

  it.each(COMMANDS.map((command) => [command.name, command] as const))('names every flag %s takes, in its usage or under Options', (_name, command) => {
    // Prepare
    const options = USAGE.slice(USAGE.indexOf('\nOptions:\n'));

    // Act
    const undocumented = command.flags.filter((flag) => {
      const inUsage = command.usage.some((usage) => usage.synopsis.includes(`--${flag.name}`));
      const inOptions = flag.help !== undefined && options.includes(`\n  --${flag.name}${flag.value === undefined ? '' : ` ${flag.value}`} `);
      return !inUsage && !inOptions;
    });

    // Assess
    expect(undocumented).toEqual([]);
  });

  it("lists the shared flags once, first under Options, then each command's own", () => {
    // Act
    const flagLines = USAGE.slice(USAGE.indexOf('\nOptions:\n'))
      .split('\n')
      .filter((line) => line.startsWith('  --'));

    // Assess
    const names = flagLines.map((line) => line.trim().split(' ')[0]);
    expect(names.slice(0, COMMON_FLAGS.length)).toEqual(COMMON_FLAGS.map((flag) => `--${flag.name}`));
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(['--account', '--dry-run', '--local', '--url', '--watch', '--json', '--queue', '--limit', '--since', '--fix', '--only']);
  });

  it('puts a short synopsis and its summary on one line, a long one above it, both aligned', () => {
    // Act
    const help = formatHelp([...COMMANDS, exampleCommand], COMMON_FLAGS);

    // Assess
    expect(help).toContain(`\n  poll [--account <id>]${' '.repeat(21)}poll ShipStation now and enqueue what changed\n`);
    expect(help).toContain(`\n  example --colour <name> [--local]${' '.repeat(9)}an example verb\n${' '.repeat(44)}over two lines\n`);
    expect(help).toContain(`\n  backfill --days <N> [--account <id>] [--dry-run]\n${' '.repeat(44)}re-import the last N days (1-3650) as backfill events\n`);
    expect(help).toContain('\n  --colour <name>  for example: the colour\n');
    expect(help.match(/\n {2}--local /g)).toHaveLength(1);
    expect(help).toMatch(/\n {2}help {38}show this text\n/);
  });
});

describe('a usage error', () => {
  it('for an unknown verb gives the reason, then lists every verb with its usage', () => {
    // Act
    const output = usageErrorOf(['frobnicate', '--account', 'acme']);

    // Assess
    expect(output.split('\n')[0]).toBe('error: unknown command "frobnicate"');
    expect(output.endsWith(USAGE)).toBe(true);
    const commandSection = output.slice(output.indexOf('\nCommands:\n'), output.indexOf('\nOptions:\n'));
    const verbs = commandSection
      .split('\n')
      .filter((line) => /^ {2}\S/.test(line))
      .map((line) => line.trim().split(' ')[0]);
    expect([...new Set(verbs)]).toEqual([...COMMANDS.map((command) => command.name), 'help']);
  });

  it('for a flag another verb takes says this verb does not take it', () => {
    // Act
    const output = usageErrorOf(['doctor', '--fix']);

    // Assess
    expect(output.split('\n')[0]).toBe('error: doctor does not take --fix');
  });
});
