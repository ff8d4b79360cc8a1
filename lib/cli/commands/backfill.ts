// `backfill --days N`: re-imports the last N days (up to the account's cursor) as backfill events, with a progress line;
// `--dry-run` reads ShipStation with an in-memory cursor and queues and prints the events implied, moving nothing.
import type { KlaviyoEvent } from '../../domain/klaviyo-event.js';
import { logger, maskEmail, maskPhone } from '../../observability.js';
import type { Account } from '../../ports.js';
import { accountsFor, UsageError, type Command, type CommandContext, type CommandOptions } from '../command.js';
import { impliedEvents, makeDryRun } from '../dry-run.js';
import { accountOf, ACCOUNT_FLAG, DRY_RUN_FLAG, isSet, LOCAL_FLAG, readFlags, valueOf, type Flags } from '../flags.js';
import { OUTCOME_NOTES, pollAndReport, pollToEnd } from '../poll-run.js';
import { isoSeconds, plural } from '../text.js';

export interface BackfillOptions extends CommandOptions {
  days: number;
  account?: string;
  dryRun: boolean;
}

const MAX_DAYS = 3650;
const FLAGS = [{ name: 'days', value: '<N>' }, ACCOUNT_FLAG, DRY_RUN_FLAG, LOCAL_FLAG];

function daysOf(flags: Flags): number {
  const days = valueOf(flags, 'days');
  if (days === undefined) throw new UsageError('backfill needs --days <N>');
  if (!/^\d+$/.test(days) || Number(days) < 1 || Number(days) > MAX_DAYS) {
    throw new UsageError(`--days must be a whole number of days from 1 to ${MAX_DAYS}, got "${days}"`);
  }
  return Number(days);
}

/** One line per event, PII masked: time, metric, order number, customer, backfill. */
export function formatEventLine(event: KlaviyoEvent): string {
  const who =
    event.profile.email !== undefined
      ? maskEmail(event.profile.email)
      : event.profile.phoneNumber !== undefined
        ? maskPhone(event.profile.phoneNumber)
        : '(no contact)';
  const orderNumber = String(event.properties.OrderNumber ?? event.properties.OrderId ?? event.orderId);
  return `${isoSeconds(event.time)}  ${event.metric.padEnd(28)} order ${orderNumber.padEnd(8)} ${who}${event.backfill ? '  backfill' : ''}`;
}

/** Reads the asked days with an in-memory cursor and queues, then prints the events they imply; true when complete. */
async function runDryRun(context: CommandContext, account: Account, days: number): Promise<boolean> {
  const { w, io, clock } = context;
  const dry = makeDryRun({ config: w.config, accounts: w.accounts, shipStation: w.shipStation, shipStationV2: w.shipStationV2, clock, log: logger });
  const result = await pollToEnd(context, dry.pollAccount, account, days, 'found');
  const events = impliedEvents(dry.collected, {
    accountId: account.id,
    metricPrefix: account.metricPrefix,
    backfillAfterHours: w.config.backfillAfterHours,
    now: clock.now(),
    history: true,
  });
  for (const event of events) io.write(`${formatEventLine(event)}\n`);
  if (dry.unreadable.length > 0)
    io.write(`${account.id}  ${plural(dry.unreadable.length, 'record')} ShipStation returned could not be read (a real run dead-letters them)\n`);
  io.write(
    `${account.id}  ${plural(events.length, 'event')} would be sent as backfill (from ${plural(dry.collected.length, 'snapshot')} over ${plural(days, 'day')}, ` +
      `before dedupe against what the stage already sent); dry run: nothing was sent, enqueued or moved\n`,
  );
  if (result.status !== 'completed') {
    io.write(`${account.id}  ${result.status}: ${OUTCOME_NOTES[result.status] ?? result.status}; the list above is incomplete\n`);
    return false;
  }
  return true;
}

export const backfillCommand: Command<BackfillOptions> = {
  name: 'backfill',
  usage: [{ synopsis: 'backfill --days <N> [--account <id>] [--dry-run]', summary: ['re-import the last N days (1-3650) as backfill events'] }],
  flags: FLAGS,

  parse(args) {
    const flags = readFlags('backfill', FLAGS, args);
    const account = accountOf(flags);
    return { days: daysOf(flags), ...(account === undefined ? {} : { account }), dryRun: isSet(flags, 'dry-run'), local: isSet(flags, 'local') };
  },

  async run(options, context) {
    const accounts = accountsFor(context.w, options.account);
    if (!options.dryRun) return pollAndReport(context, accounts, options.days);
    let failed = 0;
    for (const account of accounts) {
      if (!(await runDryRun(context, account, options.days))) failed += 1;
    }
    return failed === 0 ? 0 : 1;
  },
};
