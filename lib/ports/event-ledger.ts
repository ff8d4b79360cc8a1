// Sending once: the dedupe ledger, its dead-letter records, the events held while Klaviyo is refused, and the history
// events waiting for a full bulk request.
import type { KlaviyoEvent } from '../domain/klaviyo-event.js';
import type { RecordedEventStatus } from '../domain/reconcile.js';

/**
 * Klaviyo events held while the account's Klaviyo key is refused: they keep their time and unique_id and are sent when
 * a working key is back, instead of being dropped or dead-lettered.
 */
export interface HeldEventStore {
  /** Stores the events (idempotent per unique_id). */
  hold(events: KlaviyoEvent[], reason: string, now: Date): Promise<void>;
  /** Up to `limit` held events of the account, in unique_id order; `after` (a unique_id) continues after a previous page. */
  list(accountId: string, limit: number, after?: string): Promise<{ events: KlaviyoEvent[]; next?: string }>;
  remove(accountId: string, uniqueIds: string[]): Promise<void>;
  count(accountId: string): Promise<number>;
}

/** A history event waiting in the outbox, with when it was first put there. */
export interface WaitingEvent {
  event: KlaviyoEvent;
  /** ISO instant of the first put; a later put of the same event keeps it. */
  since: string;
}

/**
 * History events waiting (the bulk outbox) until a full Bulk Create Events request can go, or until they have waited
 * BULK_WAIT_SECONDS. Their ledger claims are released while they wait: whoever sends one claims it again first.
 */
export interface BulkOutbox {
  /** Stores the events (one copy per unique_id; a copy already waiting keeps its `since`). */
  put(events: KlaviyoEvent[], now: Date): Promise<void>;
  /** Up to `limit` waiting events of the account, in unique_id order; `after` (a unique_id) continues after a page. */
  list(accountId: string, limit: number, after?: string): Promise<{ entries: WaitingEvent[]; next?: string }>;
  remove(accountId: string, uniqueIds: string[]): Promise<void>;
  count(accountId: string): Promise<number>;
}

/** Outcome of trying to take an event for sending; a won claim carries the id that proves ownership. */
export type ClaimResult = { status: 'claimed'; claimId: string } | { status: 'already-sent' | 'suppressed' | 'dead-lettered' | 'in-flight' };

/** Outcome of trying to suppress an event that must not be sent. */
export type SuppressResult = 'suppressed-now' | 'already-sent' | 'suppressed' | 'dead-lettered' | 'in-flight';

export interface DeadLetter {
  accountId: string;
  uniqueId: string;
  metric: string;
  orderId: number;
  reason: string;
  status?: number;
  /** The request body that was refused, so an operator can replay it once the cause is fixed. */
  body: unknown;
  at: string;
}

/**
 * The dedupe ledger: one record per unique_id, written with single-item conditional writes only. A claim is a lease
 * owned by one worker (its claimId): only that worker can mark the event sent, release it or dead-letter it, and a
 * worker that died mid-send leaves a lease another may take over once it has run out.
 */
export interface EventLedger {
  claim(accountId: string, uniqueId: string, now: Date): Promise<ClaimResult>;
  /** Marks the event sent, with its metric name (as sent, prefix included) and the time, so `sentSince` counts it. */
  markSent(accountId: string, uniqueId: string, claimId: string, metric: string, now: Date): Promise<void>;
  release(accountId: string, uniqueId: string, claimId: string): Promise<void>;
  /**
   * Stores the dead-letter record. With the claim's id the ledger entry also becomes final (DEAD); without one only the
   * record is written, so a later snapshot that fixes the cause can still send the event.
   */
  deadLetter(record: DeadLetter, claimId?: string): Promise<void>;
  /**
   * Marks an event that must never be sent (a label voided before its Order Shipped went out), if nobody claimed it or it
   * was dead-lettered (so a replay of its record cannot send it after the void).
   */
  suppress(accountId: string, uniqueId: string, reason: string, now: Date): Promise<SuppressResult>;
  /**
   * Read-only (reconcile): where one event stands. A claim whose lease ran out before `now` is `abandoned`; with no
   * entry, a dead-letter record (written without a final entry, e.g. no email) makes it `dead-lettered`.
   */
  status(accountId: string, uniqueId: string, now: Date): Promise<RecordedEventStatus>;
  /** Dead-letter records of the account waiting for an operator. */
  countDeadLetters(accountId: string): Promise<number>;
  /**
   * Read-only (`status`): the account's events marked sent at or after `since`, counted per metric. Only the UTC hours
   * from `since`'s to `now`'s are read, so keep the span short (the last hour: two hours at most).
   */
  sentSince(accountId: string, since: Date, now: Date): Promise<Record<string, number>>;
  /**
   * Makes a dead-lettered event claimable again for a replay: a DEAD entry is removed, any other entry (SENT, PENDING,
   * SUPPRESSED) stays as it is.
   * @returns true when a DEAD entry was removed
   */
  reopen(accountId: string, uniqueId: string): Promise<boolean>;
}

/** The dead-letter records an operator replays (written by EventLedger.deadLetter). */
export interface DeadLetterRecords {
  /** Up to `limit` records of the account in unique_id order; `after` (a unique_id) continues after a previous page. */
  list(accountId: string, limit: number, after?: string): Promise<{ records: DeadLetter[]; next?: string }>;
  find(accountId: string, uniqueId: string): Promise<DeadLetter | undefined>;
  /**
   * Deletes the record if it is still the one that was read (same `at`), so a record rewritten meanwhile is kept.
   * @returns true when it was deleted
   */
  remove(accountId: string, uniqueId: string, at: string): Promise<boolean>;
}
