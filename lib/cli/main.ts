// shipstation-klaviyo (operator CLI) → commands.ts picks the verb → its module (commands/<verb>.ts) runs against the
// wiring, in the operator's shell against the stage the environment names: the poll enqueues to the stage's queues and
// moves its cursor; its functions send. With --local the embedded local stack and simulators stand in for the stage.
// Exit: 0 done, 1 failed, 2 bad arguments.
import { readFileSync } from 'node:fs';
import { ConfigurationError } from '../config.js';
import { BadInputError } from '../domain/errors.js';
import { maskEmail, maskSecret, maskSecrets } from '../observability.js';
import type { Clock } from '../ports.js';
import { wiring } from '../wiring.js';
import { UsageError, type CommandIo } from './command.js';
import { formatUsageError, parseArgs, USAGE, type Invocation } from './commands.js';
import { startLocal, type LocalSession } from './local.js';
import { oneLine } from './text.js';

/** Where the CLI writes: results to `write` (stdout), progress and errors to `writeError` (stderr; default `write`). */
export interface CliIo {
  write(text: string): void;
  writeError?(text: string): void;
  /** Whether `write` is a terminal: `status --watch` then redraws the screen instead of appending reports. */
  isTty?: boolean;
  /** Whether `writeError` is a terminal: progress is then one line redrawn in place. */
  errorIsTty?: boolean;
  /** Terminal width, to keep the progress line on one row. */
  columns?: number;
}

/** The process's own streams, for bin/shipstation-klaviyo.mjs. */
export function processIo(): CliIo {
  return {
    write: (text) => void process.stdout.write(text),
    writeError: (text) => void process.stderr.write(text),
    isTty: process.stdout.isTTY === true,
    errorIsTty: process.stderr.isTTY === true,
    columns: process.stderr.columns,
  };
}

const clock: Clock = {
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * What everything the CLI prints passes through (main wraps its io): every query value (the webhook token:
 * `token=abcd…`, another app's key), every configured secret by value, URL credentials, and emails in any form. Phones
 * are masked where they are printed (contact columns, Klaviyo's refusal texts): elsewhere in the output a run of digits
 * is an order number or an id.
 */
export function maskOutput(text: string): string {
  const queryMasked = text.replace(/([?&][\w.-]+=)(?![{<])([^&#\s"'<>]+)/g, (_match, key: string, value: string) => `${key}${maskSecret(value)}`);
  return maskEmail(maskSecrets(queryMasked));
}

/**
 * With LOCAL_STACK_FILE set, takes the running local stack's variables (its stand-ins' endpoints, table and queues, the
 * simulated account) from the file `npm start` wrote, over the environment's, before anything reads the configuration.
 * @throws UsageError when the file cannot be read
 */
function useRunningLocalStack(env: NodeJS.ProcessEnv): void {
  const path = env.LOCAL_STACK_FILE?.trim();
  if (path === undefined || path === '') return;
  let file: { env?: Record<string, string> };
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as { env?: Record<string, string> };
  } catch (error) {
    throw new UsageError(
      `LOCAL_STACK_FILE ${path} cannot be read (is \`npm start -- --endpoints-file ${path}\` running?): ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  Object.assign(env, file.env ?? {});
}

/**
 * Runs the CLI with the arguments after the program name.
 * @returns the exit code: 0 done, 1 a runtime failure (one line on stderr), 2 bad arguments (reason and usage)
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  // The one choke point of the output: nothing reaches the terminal unmasked, whichever command wrote it.
  const writeError = io.writeError ?? io.write;
  const out: CommandIo = { ...io, write: (text: string) => io.write(maskOutput(text)), writeError: (text: string) => writeError(maskOutput(text)) };
  const usageError = (message: string): number => {
    out.writeError(formatUsageError(message));
    return 2;
  };
  let invocation: Invocation;
  try {
    invocation = parseArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) return usageError(error.message);
    throw error;
  }
  if (invocation.help) {
    out.write(USAGE);
    return 0;
  }
  const { command, options } = invocation;
  let local: LocalSession | undefined;
  try {
    // A local stack running in another process (`npm start -- --endpoints-file <path>`): act on it, as on a stage.
    useRunningLocalStack(process.env);
    if (options.local) local = await startLocal(out);
    return await command.run(options, { w: await wiring(), io: out, clock, ...(local === undefined ? {} : { local }) });
  } catch (error) {
    if (error instanceof UsageError || error instanceof BadInputError) return usageError(error.message);
    if (error instanceof ConfigurationError && command.onConfigurationError !== undefined) return command.onConfigurationError(error, out);
    const message = error instanceof Error ? error.message : String(error);
    const hint = error instanceof ConfigurationError ? ' (the CLI reads the same variables as the deployed functions; see `shipstation-klaviyo help`)' : '';
    out.writeError(`error: ${oneLine(message)}${hint}\n`);
    return 1;
  } finally {
    await local?.stack.close();
  }
}
