// The poll cursor: how far each account's lists have been read, with a lease per run.
import type { PollProgress } from '../domain/poll-plan.js';

/** The account's poll cursor: how far every list has been durably enqueued, and the run in progress, if any. */
export interface PollCursor {
  accountId: string;
  /** Every change up to this instant (UTC ISO) is on a queue; absent until the first import completes. */
  through?: string;
  run?: PollProgress;
  lastCompletedAt?: string;
}

/**
 * The cursor, with a lease so one run per account at a time moves it. Saves are conditional on holding the lease, so a
 * run that lost it (timed out, taken over) can never move the cursor.
 */
export interface PollCursorStore {
  get(accountId: string): Promise<PollCursor | undefined>;
  /** Takes the lease until `until` unless another run holds an unexpired one; returns the cursor, or undefined when busy. */
  acquire(accountId: string, owner: string, until: Date, now: Date): Promise<PollCursor | undefined>;
  /** @throws LeaseLostError when `owner` no longer holds the lease */
  save(cursor: PollCursor, owner: string): Promise<void>;
  release(accountId: string, owner: string): Promise<void>;
}
