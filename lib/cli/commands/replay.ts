// `replay queues|records`: runs replayDeadLetters and renders it, a line per queue or per record and a count per
// account, emails and phones masked. Exit code 1 when anything was not replayed (a failed move or send, a record refused
// again, a paused account, an unreadable record); a dry run exits 1 only for what a real run could not replay either.
import { historyMessageSchema, notificationMessageSchema, outboxFlushMessageSchema, snapshotSchema } from '../../domain/snapshot.js';
import { pollJobSchema } from '../../domain/poll-plan.js';
import { maskEmail, maskPhone, maskText } from '../../observability.js';
import type { DeadLetterMessage } from '../../ports.js';
import { DRY_RUN_HIDE_SECONDS, type AccountRecordsReplay, type QueueReplay, type RecordReplay } from '../../use-cases/replay-dead-letters.js';
import { accountsFor, UsageError, type Command, type CommandContext, type CommandOptions } from '../command.js';
import { accountOf, ACCOUNT_FLAG, DRY_RUN_FLAG, isSet, LOCAL_FLAG, readFlags, valueOf } from '../flags.js';
import { count, plural } from '../text.js';

export const REPLAY_QUEUES = ['notifications', 'updates', 'history', 'polls'] as const;
export type ReplayQueue = (typeof REPLAY_QUEUES)[number];

/** `replay queues` moves DLQ messages back to their queues; `replay records` re-sends dead-letter records. */
export type ReplayOptions = CommandOptions &
  ({ target: 'queues'; queue?: ReplayQueue; dryRun: boolean; limit?: number } | { target: 'records'; account?: string; dryRun: boolean; limit?: number });

const MAX_LIMIT = 1_000_000;
const QUEUE_FLAG = { name: 'queue', value: '<name>', help: ["for replay queues: only this queue's dead-letter queue"] };
const LIMIT_FLAG = {
  name: 'limit',
  value: '<N>',
  help: ['for replay: move or re-send at most N messages or records in all', '(replay --dry-run counts and shows what would be replayed and changes nothing)'],
};
// Both targets; parse refuses the flag of the other one.
const FLAGS = [QUEUE_FLAG, ACCOUNT_FLAG, DRY_RUN_FLAG, LIMIT_FLAG, LOCAL_FLAG];

const oneLine = (text: string): string => maskText(text.replace(/\s*\n\s*/g, ' ').trim());
const clip = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** What a DLQ message is, for a dry run's sample: account, kind and a short summary (no names, emails or phones). */
export function describeQueueMessage(message: DeadLetterMessage): { accountId: string; type: string; summary: string } {
  let json: unknown;
  try {
    json = JSON.parse(message.body);
  } catch {
    json = undefined;
  }
  const fromBody =
    typeof json === 'object' && json !== null && typeof (json as { accountId?: unknown }).accountId === 'string'
      ? (json as { accountId: string }).accountId
      : undefined;
  const accountId = message.attributes.accountId?.stringValue ?? fromBody ?? '?';
  const snapshot = snapshotSchema.safeParse(json);
  if (snapshot.success) {
    const s = snapshot.data;
    const order = `order ${s.orderId}${s.orderNumber === undefined ? '' : ` (${s.orderNumber})`}`;
    switch (s.kind) {
      case 'order':
        return { accountId, type: 'order snapshot', summary: `${order} ${s.status}, modified ${s.modifiedAt}` };
      case 'shipment':
        return {
          accountId,
          type: 'label snapshot',
          summary: `shipment ${s.shipmentId} of ${order}${s.voided ? ', voided' : ''}${s.isReturnLabel ? ', return label' : ''}`,
        };
      case 'fulfillment':
        return { accountId, type: 'fulfilment snapshot', summary: `fulfilment ${s.fulfillmentId} of ${order}${s.voided ? ', voided' : ''}` };
    }
  }
  const notification = notificationMessageSchema.safeParse(json);
  if (notification.success) return { accountId, type: 'webhook', summary: `${notification.data.resourceType} received ${notification.data.receivedAt}` };
  const history = historyMessageSchema.safeParse(json);
  if (history.success) return { accountId, type: 'history', summary: plural(history.data.snapshots.length, 'snapshot') };
  const flush = outboxFlushMessageSchema.safeParse(json);
  if (flush.success) return { accountId, type: 'bulk outbox flush', summary: `events waiting since ${flush.data.flushOutbox.before} or earlier` };
  const job = pollJobSchema.safeParse(json);
  if (job.success)
    return {
      accountId,
      type: 'poll job',
      summary: `${job.data.reason}${job.data.backfillDays === undefined ? '' : `, backfill ${job.data.backfillDays} days`}`,
    };
  return { accountId, type: 'unreadable', summary: clip(oneLine(message.body.split('\n')[0] ?? ''), 100) };
}

/** One queue's line (and, in a dry run, its sample). */
export function formatQueueReplay(result: QueueReplay, dryRun: boolean): string[] {
  const name = result.queue.padEnd(14);
  if (!result.hasDeadLetterQueue) return [`${name} no dead-letter queue (the queue has no redrive policy)`];
  if (dryRun) {
    const left = result.waiting > result.wouldMove ? ` (--limit: ${count(result.waiting - result.wouldMove)} would stay)` : '';
    const lines = [`${name} ${plural(result.wouldMove, 'message')} would be moved back to ${result.queue}${left}`];
    for (const message of result.sample) {
      const { accountId, type, summary } = describeQueueMessage(message);
      lines.push(`    ${accountId}  ${type.padEnd(19)} ${summary}`);
    }
    if (result.wouldMove > result.sample.length && result.sample.length > 0) lines.push(`    … and ${count(result.wouldMove - result.sample.length)} more`);
    return lines;
  }
  const failed = result.failed.length > 0 ? `, ${count(result.failed.length)} failed (left in the DLQ, or also in the queue: duplicates are deduplicated)` : '';
  const limited = result.limited ? '; --limit reached, more wait in the DLQ' : '';
  const still =
    result.stillWaiting > 0 && !result.limited
      ? `; ${count(result.stillWaiting)} still in the DLQ (failed again, or arrived meanwhile: look at why before replaying again)`
      : '';
  const lines = [`${name} ${count(result.moved)} moved back to ${result.queue}${failed}${limited}${still}`];
  for (const failure of result.failed) lines.push(`    ${failure.messageId}: ${oneLine(failure.reason)}`);
  return lines;
}

const OUTCOME_TEXT: Record<RecordReplay['outcome'], (item: RecordReplay) => string> = {
  sent: () => 'sent; record deleted',
  'already-sent': () => 'already sent meanwhile; record deleted',
  suppressed: () => 'voided before it was sent; record deleted',
  held: () => 'held: Klaviyo refused the key or is down; sent once Klaviyo takes it again; record deleted',
  'refused-again': (item) => `refused again: ${oneLine(item.detail ?? '')}; record kept`,
  busy: (item) => `skipped: ${oneLine(item.detail ?? '')}; record kept`,
  failed: (item) => `failed: ${oneLine(item.detail ?? '')}; record kept`,
  unreadable: (item) => `cannot be replayed: ${oneLine(item.detail ?? '')}; record kept`,
  stale: () => 'not sent: the order has left that status since; record deleted',
  requeued: () => 'tracking update put back on the updates queue to be joined to its label again; record deleted',
  'would-send': (item) => `would be re-sent (refused: ${oneLine(item.reason)})`,
};

/** Outcomes that leave a record to look at: the command exits 1. */
const NOT_REPLAYED: ReadonlySet<RecordReplay['outcome']> = new Set(['refused-again', 'busy', 'failed', 'unreadable']);

const contactOf = (item: RecordReplay): string => {
  const profile = item.event?.profile;
  if (profile?.email !== undefined) return maskEmail(profile.email);
  if (profile?.phoneNumber !== undefined) return maskPhone(profile.phoneNumber);
  return '(no contact)';
};

/** One record's line: metric, order, masked contact, what happened. */
export function formatRecordLine(accountId: string, item: RecordReplay): string {
  return `${accountId}  ${item.metric.padEnd(28)} order ${String(item.orderId).padEnd(10)} ${contactOf(item).padEnd(18)} ${OUTCOME_TEXT[item.outcome](item)}`;
}

/** The account's closing line: what was (or would be) done, by outcome. */
export function formatRecordsSummary(result: AccountRecordsReplay, dryRun: boolean): string {
  if (result.status === 'paused' && result.items.length === 0) {
    return (
      `${result.accountId}  paused: the account's Klaviyo key is refused, so nothing was sent; ${plural(result.waiting ?? 0, 'dead-letter record')} kept ` +
      `(fix the key: shipstation-klaviyo doctor --account ${result.accountId}, then replay again)`
    );
  }
  if (result.items.length === 0) return `${result.accountId}  no dead-letter records`;
  const counts = new Map<string, number>();
  for (const item of result.items) counts.set(item.outcome, (counts.get(item.outcome) ?? 0) + 1);
  const parts = [...counts].map(([outcome, n]) => `${count(n)} ${outcome.replace('-', ' ')}`).join(', ');
  const limited = result.limited ? '; --limit reached, more records wait' : '';
  const paused =
    result.status === 'paused'
      ? dryRun
        ? '; the Klaviyo key is refused, so nothing would be sent until it is fixed (doctor)'
        : '; the Klaviyo key was refused, so the account is paused: the rest waits for a working key'
      : '';
  return `${result.accountId}  ${plural(result.items.length, 'record')}: ${parts}${limited}${paused}${dryRun ? '; dry run: nothing was sent or changed' : ''}`;
}

/** `replay queues`: moves each DLQ's messages back to its queue (with --local, the local consumers then handle them). */
async function replayQueues(context: CommandContext, options: Extract<ReplayOptions, { target: 'queues' }>): Promise<number> {
  const { w, io } = context;
  const results = await w.replayDeadLetters.queues({
    ...(options.queue === undefined ? {} : { queue: options.queue }),
    dryRun: options.dryRun,
    ...(options.limit === undefined ? {} : { limit: options.limit }),
  });
  for (const result of results) io.write(`${formatQueueReplay(result, options.dryRun).join('\n')}\n`);
  if (options.dryRun) {
    io.write(`dry run: nothing was moved (the sampled messages were hidden for ${DRY_RUN_HIDE_SECONDS} s, then visible again)\n`);
    return 0;
  }
  const moved = results.reduce((sum, r) => sum + r.moved, 0);
  if (moved > 0) io.write(`${plural(moved, 'message')} moved back: the consumers handle them again; events already sent are deduplicated by the ledger\n`);
  await context.local?.drain();
  return results.some((r) => r.failed.length > 0 || (r.stillWaiting > 0 && !r.limited)) ? 1 : 0;
}

/** `replay records`: re-sends each account's dead-letter records, --limit counted over all accounts. */
async function replayRecords(context: CommandContext, options: Extract<ReplayOptions, { target: 'records' }>): Promise<number> {
  const { w, io } = context;
  let remaining = options.limit ?? Number.POSITIVE_INFINITY;
  let notReplayed = false;
  for (const account of accountsFor(w, options.account)) {
    if (remaining <= 0) {
      io.write(`${account.id}  not looked at: --limit reached\n`);
      continue;
    }
    const result = await w.replayDeadLetters.records(account.id, { dryRun: options.dryRun, ...(Number.isFinite(remaining) ? { limit: remaining } : {}) });
    remaining -= result.items.length;
    for (const item of result.items) io.write(`${formatRecordLine(account.id, item)}\n`);
    io.write(`${formatRecordsSummary(result, options.dryRun)}\n`);
    if (result.status === 'paused' || result.items.some((item) => NOT_REPLAYED.has(item.outcome))) notReplayed = true;
  }
  return notReplayed ? 1 : 0;
}

export const replayCommand: Command<ReplayOptions> = {
  name: 'replay',
  usage: [
    {
      synopsis: 'replay queues [--queue <name>] [--dry-run] [--limit <N>]',
      summary: ['move the messages of the dead-letter queues (notifications,', 'updates, history, polls) back to their queues'],
    },
    {
      synopsis: 'replay records [--account <id>] [--dry-run] [--limit <N>]',
      summary: ['re-send the dead-letter records Klaviyo refused, once the cause', 'is fixed (exit 1 when one failed or an account is paused)'],
    },
  ],
  flags: FLAGS,

  /** `replay queues|records [flags]`: the target first, then flags; each target refuses the other's flag. */
  parse(rest) {
    const [target, ...args] = rest;
    if (target === undefined || target.startsWith('-')) throw new UsageError('replay needs what to replay: queues or records');
    if (target !== 'queues' && target !== 'records') throw new UsageError(`replay replays queues or records, got "${target}"`);
    const flags = readFlags('replay', FLAGS, args);
    const other = target === 'queues' ? 'account' : 'queue';
    if (flags.has(other)) throw new UsageError(`replay ${target} does not take --${other}`);
    const dryRun = isSet(flags, 'dry-run');
    const local = isSet(flags, 'local');
    const limit = valueOf(flags, 'limit');
    if (limit !== undefined && (!/^\d+$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_LIMIT)) {
      throw new UsageError(`--limit must be a whole number from 1 to ${MAX_LIMIT}, got "${limit}"`);
    }
    const withLimit = limit === undefined ? {} : { limit: Number(limit) };
    if (target === 'records') {
      const account = accountOf(flags);
      return { target, ...(account === undefined ? {} : { account }), dryRun, ...withLimit, local };
    }
    const queue = valueOf(flags, 'queue');
    if (queue !== undefined && !(REPLAY_QUEUES as readonly string[]).includes(queue)) {
      throw new UsageError(`--queue must be one of ${REPLAY_QUEUES.join(', ')}, got "${queue}"`);
    }
    return { target, ...(queue === undefined ? {} : { queue: queue as ReplayQueue }), dryRun, ...withLimit, local };
  },

  run(options, context) {
    return options.target === 'queues' ? replayQueues(context, options) : replayRecords(context, options);
  },
};
