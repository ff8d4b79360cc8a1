// replay (operator CLI) → replayDeadLetters. Queues: each work queue's DLQ → back to the work queue, deleted from the
// DLQ only once re-sent (duplicates are harmless: the ledger dedupes). Records: dead-letter record → ledger reopened
// (DEAD → absent) → claim → Klaviyo Create Event → record deleted, or dead-lettered again with the new reason.
import { BadInputError } from '../domain/errors.js';
import { eventFromCreateEventBody, hasProfileIdentifier, type KlaviyoEvent } from '../domain/klaviyo-event.js';
import { trackingUpdateSchema } from '../domain/tracking.js';
import type { Account, DeadLetter, DeadLetterMessage, DeadLetterQueues, DeadLetterRecords, UpdateQueue } from '../ports.js';
import { keyState, type KeyState } from './credential-health.js';
import { deadLetterEvent, noOutcome, noteAccepted, sendClaimed } from './sending.js';
import type { SnapshotPublisherDeps } from './snapshot-publisher.js';
import { uniqueIds } from '../domain/event-mapping.js';

export interface ReplayDeadLettersDeps extends SnapshotPublisherDeps {
  deadLetterQueues: DeadLetterQueues;
  records: DeadLetterRecords;
  /** Where a tracking update that matched no label is put back, to be joined again. */
  updates: UpdateQueue;
}

/** What replaying one queue's DLQ did (or, in a dry run, would do). */
export interface QueueReplay {
  queue: string;
  /** False when the queue has no dead-letter queue (no redrive policy): nothing to replay. */
  hasDeadLetterQueue: boolean;
  /** Messages waiting in the DLQ when the replay started (SQS's approximate count). */
  waiting: number;
  moved: number;
  /** Messages that could not be moved: still in the DLQ (visible again after a minute), or also in the queue. */
  failed: { messageId: string; reason: string }[];
  /** Dry run: how many a real run would move (within the limit). */
  wouldMove: number;
  /** Dry run: a few of the messages, looked at without moving them. */
  sample: DeadLetterMessage[];
  /** The limit stopped the replay with messages left in the DLQ. */
  limited: boolean;
  /** Messages in the DLQ when the replay ended (failed again meanwhile, or arrived since it started). */
  stillWaiting: number;
}

export type RecordOutcome =
  'sent' | 'already-sent' | 'suppressed' | 'held' | 'refused-again' | 'busy' | 'failed' | 'unreadable' | 'stale' | 'requeued' | 'would-send';

/** One dead-letter record and what replaying it did. */
export interface RecordReplay {
  uniqueId: string;
  metric: string;
  orderId: number;
  /** The reason stored in the record when it was read. */
  reason: string;
  outcome: RecordOutcome;
  /** The new reason (refused again), or what went wrong (failed, unreadable, busy). */
  detail?: string;
  /** The event rebuilt from the stored body (absent when it could not be read). */
  event?: KlaviyoEvent;
}

export interface AccountRecordsReplay {
  accountId: string;
  /** `paused`: the account's Klaviyo key is refused; nothing was (or, in a dry run, would be) sent. */
  status: 'done' | 'paused';
  items: RecordReplay[];
  /** Records of the account when it was found paused (nothing was read). */
  waiting?: number;
  /** The limit stopped the replay with records left. */
  limited: boolean;
}

export interface ReplayDeadLetters {
  /** Moves the DLQ messages of one queue (or all) back, at most `limit` in all; a dry run moves nothing. */
  queues(request: { queue?: string; dryRun: boolean; limit?: number }): Promise<QueueReplay[]>;
  /**
   * Re-sends the account's dead-letter records, at most `limit`; a dry run reads them and changes nothing.
   * @throws BadInputError for an unknown account
   */
  records(accountId: string, request: { dryRun: boolean; limit?: number }): Promise<AccountRecordsReplay>;
}

/** Seconds a moved message stays hidden in the DLQ while it is re-sent and deleted (it reappears if we die). */
export const MOVE_HIDE_SECONDS = 60;
/**
 * Seconds a dry run hides the messages it samples. Not 0: local-aws-sqs then hands the same message out several times
 * in one response. One second is the shortest SQS takes that works on both.
 */
export const DRY_RUN_HIDE_SECONDS = 1;
/** Messages a dry run shows per queue. */
export const SAMPLE_SIZE = 3;
/** Short polls may come back empty while messages wait (SQS samples its servers): give up after this many in a row. */
const MAX_EMPTY_RECEIVES = 3;
const RECORDS_PAGE = 25;
const NO_CONTACT_REASON = 'the order has no customer email and no valid phone number, so Klaviyo cannot attach the event to a profile';

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** A status event whose order is now in another status, or entered it again later (another unique_id). */
async function isStaleStatusEvent(deps: ReplayDeadLettersDeps, accountId: string, record: DeadLetter): Promise<boolean> {
  const status = /^ss:[^:]+:order:\d+:([a-z_]+):\d{8}T\d{6}Z$/.exec(record.uniqueId)?.[1];
  if (status === undefined) return false;
  const state = await deps.orderStates.get(accountId, record.orderId);
  if (state?.status === undefined || state.statusSince === undefined) return false;
  return uniqueIds.orderStatus(accountId, record.orderId, state.status, state.statusSince) !== record.uniqueId;
}

/**
 * Replays one dead-letter record: a tracking update goes back on the updates queue; an event is re-sent with its
 * original time (backfill when old), unless its order has left that status or it was handled meanwhile. A dry run
 * changes nothing.
 */
async function replayRecord(deps: ReplayDeadLettersDeps, account: Account, record: DeadLetter, sentWith: KeyState, dryRun: boolean): Promise<RecordReplay> {
  const base = { uniqueId: record.uniqueId, metric: record.metric, orderId: record.orderId, reason: record.reason };
  const tracking = trackingUpdateSchema.safeParse((record.body as { trackingUpdate?: unknown } | null)?.trackingUpdate);
  if (tracking.success) {
    // A tracking update that matched no label: it goes back on the updates queue to be joined again (the label may
    // have been seen since), with a fresh wait.
    if (dryRun) return { ...base, outcome: 'would-send' };
    try {
      await deps.updates.enqueueAll([{ ...tracking.data, accountId: account.id, receivedAt: deps.clock.now().toISOString(), joinAttempts: 0 }]);
      await deps.records.remove(account.id, record.uniqueId, record.at);
      return { ...base, outcome: 'requeued' };
    } catch (error) {
      return { ...base, outcome: 'failed', detail: messageOf(error) };
    }
  }
  let event: KlaviyoEvent;
  try {
    event = eventFromCreateEventBody(record.body, { accountId: account.id, orderId: record.orderId });
    if (event.uniqueId !== record.uniqueId) throw new BadInputError(`the stored body's unique_id is ${event.uniqueId}, not the record's`);
  } catch (error) {
    return { ...base, outcome: 'unreadable', detail: messageOf(error) };
  }
  // Sent late with its original time: flows are not triggered by what is older than the backfill age.
  event = { ...event, backfill: event.backfill || deps.clock.now().getTime() - Date.parse(event.time) > deps.backfillAfterHours * 3_600_000 };
  if (dryRun) return { ...base, outcome: 'would-send', event };
  const ids = { accountId: account.id, orderId: record.orderId, uniqueId: record.uniqueId, metric: record.metric };
  try {
    if (await isStaleStatusEvent(deps, account.id, record)) {
      // The order has moved on (invariant 3): an old status event would contradict what the customer sees now.
      await deps.records.remove(account.id, record.uniqueId, record.at);
      deps.log.info('dead-letter record dropped: the order has left that status', ids);
      return { ...base, outcome: 'stale', event };
    }
    await deps.ledger.reopen(account.id, record.uniqueId);
    const claim = await deps.ledger.claim(account.id, record.uniqueId, deps.clock.now());
    if (claim.status === 'already-sent' || claim.status === 'suppressed') {
      // Sent (or voided) meanwhile, e.g. by a later snapshot: the record has nothing left to do.
      await deps.records.remove(account.id, record.uniqueId, record.at);
      deps.log.info('dead-letter record dropped: the event was handled meanwhile', { ...ids, claim: claim.status });
      return { ...base, outcome: claim.status, event };
    }
    if (claim.status !== 'claimed') return { ...base, outcome: 'busy', detail: `another worker holds the event (${claim.status})`, event };
    const outcome = noOutcome();
    if (!hasProfileIdentifier(event.profile)) {
      // Still no one to attach it to: written again (not final) and released, as publish-events does.
      await deadLetterEvent(deps, event, claim.claimId, NO_CONTACT_REASON, { final: false }, outcome);
      await deps.ledger.release(account.id, record.uniqueId, claim.claimId);
      return { ...base, outcome: 'refused-again', detail: NO_CONTACT_REASON, event };
    }
    await sendClaimed(deps, account, event, claim.claimId, outcome);
    if (outcome.sent.length > 0) {
      await deps.records.remove(account.id, record.uniqueId, record.at);
      await noteAccepted(deps, account, sentWith);
      deps.log.info('dead-letter record replayed', ids);
      return { ...base, outcome: 'sent', event };
    }
    if (outcome.held.length > 0) {
      // The key was refused or Klaviyo is down: the event waits with the held events (sent when Klaviyo takes it again).
      await deps.records.remove(account.id, record.uniqueId, record.at);
      return { ...base, outcome: 'held', event };
    }
    const rewritten = await deps.records.find(account.id, record.uniqueId);
    return { ...base, outcome: 'refused-again', detail: rewritten?.reason ?? '', event };
  } catch (error) {
    // A transient failure: sendClaimed released the claim; the record stays for the next replay.
    deps.log.warn('dead-letter record not replayed', { ...ids, error: messageOf(error) });
    return { ...base, outcome: 'failed', detail: messageOf(error), event };
  }
}

/** Builds the replay of both kinds of dead letters. */
export function makeReplayDeadLetters(deps: ReplayDeadLettersDeps): ReplayDeadLetters {
  const dlq = deps.deadLetterQueues;

  const replayQueue = async (queue: string, dryRun: boolean, allowance: number): Promise<QueueReplay> => {
    const waiting = await dlq.depth(queue);
    const result: QueueReplay = {
      queue,
      hasDeadLetterQueue: waiting !== undefined,
      waiting: waiting ?? 0,
      moved: 0,
      failed: [],
      wouldMove: 0,
      sample: [],
      limited: false,
      stillWaiting: 0,
    };
    if (waiting === undefined) return result;
    if (dryRun) {
      result.wouldMove = Math.min(waiting, allowance);
      result.limited = waiting > allowance;
      if (waiting > 0 && allowance > 0) result.sample = await dlq.receive(queue, SAMPLE_SIZE, DRY_RUN_HIDE_SECONDS);
      return result;
    }
    // Receipts seen: one seen again means everything left was already tried (a failed one reappeared): stop. At most
    // what was waiting at the start is moved, so messages that keep failing and coming back cannot keep it going.
    const seen = new Set<string>();
    const cap = Math.min(allowance, waiting);
    for (let empty = 0; empty < MAX_EMPTY_RECEIVES;) {
      const left = cap - result.moved - result.failed.length;
      if (left <= 0) {
        result.limited = allowance < waiting;
        break;
      }
      const messages = await dlq.receive(queue, Math.min(10, left), MOVE_HIDE_SECONDS);
      const fresh = messages.filter((m) => !seen.has(m.messageId));
      if (fresh.length === 0) {
        if (messages.length > 0) break;
        empty += 1;
        continue;
      }
      empty = 0;
      for (const message of fresh) {
        seen.add(message.messageId);
        try {
          await dlq.moveBack(queue, message);
          result.moved += 1;
        } catch (error) {
          result.failed.push({ messageId: message.messageId, reason: messageOf(error) });
          deps.log.error('dead-letter message not moved back', { queue, messageId: message.messageId, error: messageOf(error) });
        }
      }
    }
    result.stillWaiting = (await dlq.depth(queue)) ?? 0;
    deps.log.info('dead-letter queue replayed', { queue, moved: result.moved, failed: result.failed.length, stillWaiting: result.stillWaiting });
    return result;
  };

  return {
    async queues({ queue, dryRun, limit }) {
      const names = dlq.names();
      if (queue !== undefined && !names.includes(queue)) throw new BadInputError(`unknown queue "${queue}" (queues: ${names.join(', ')})`);
      const results: QueueReplay[] = [];
      let allowance = limit ?? Number.POSITIVE_INFINITY;
      for (const name of queue === undefined ? names : [queue]) {
        const result = await replayQueue(name, dryRun, allowance);
        allowance -= dryRun ? result.wouldMove : result.moved + result.failed.length;
        results.push(result);
      }
      return results;
    },

    async records(accountId, { dryRun, limit }) {
      const account = deps.accounts.find(accountId);
      if (account === undefined) throw new BadInputError(`unknown account ${accountId}`);
      const state = await keyState(deps, account, 'klaviyo');
      if (state === 'paused' && !dryRun) {
        return { accountId, status: 'paused', items: [], waiting: await deps.ledger.countDeadLetters(accountId), limited: false };
      }
      const items: RecordReplay[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await deps.records.list(accountId, RECORDS_PAGE, after);
        for (const record of page.records) {
          if (limit !== undefined && items.length >= limit) return { accountId, status: state === 'paused' ? 'paused' : 'done', items, limited: true };
          const item = await replayRecord(deps, account, record, state, dryRun);
          items.push(item);
          if (item.outcome === 'held') {
            // Klaviyo refused the key itself or is down: the account is paused or in an outage; the rest waits.
            return { accountId, status: 'paused', items, waiting: await deps.ledger.countDeadLetters(accountId), limited: false };
          }
        }
        if (page.next === undefined) break;
        after = page.next;
      }
      return { accountId, status: state === 'paused' ? 'paused' : 'done', items, limited: false };
    },
  };
}
