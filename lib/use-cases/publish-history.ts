// publish-history → publishHistory → (order state, event ledger in DynamoDB) → Klaviyo Bulk Create Events.
// Historical snapshots (import, backfill, catch-up) go through the same state, stale and dedupe rules as live ones;
// only the sending differs: the claimed events of a whole batch leave in as few bulk requests as Klaviyo's limits allow.
import { BadInputError, CredentialsPausedError, KlaviyoRejectedError, TransientError } from '../domain/errors.js';
import { groupBy } from '../domain/group-by.js';
import { bulkRequestProblem, KLAVIYO_BULK_LIMITS, planBulkRequests } from '../domain/klaviyo-bulk.js';
import type { KlaviyoEvent } from '../domain/klaviyo-event.js';
import type { Snapshot } from '../domain/snapshot.js';
import type { Account, BulkOutbox, HistoryQueue, KlaviyoBulkApi, OutboxFlushQueue, WaitingEvent } from '../ports.js';
import { keyState, reportOutage, reportRejectedKey, reportWorkingKey, type KeyState } from './credential-health.js';
import { claimForSending, holdEvents, noOutcome, sendClaimed, type PublishOutcome } from './sending.js';
import { makeSnapshotPublisher, type SnapshotPublisherDeps } from './snapshot-publisher.js';

export interface PublishHistoryDeps extends SnapshotPublisherDeps {
  klaviyoBulk: KlaviyoBulkApi;
  /** Where a historical label whose order has not been applied yet waits for it. */
  history: HistoryQueue;
  /** Orders worked on at once (each order's snapshots stay in order). */
  concurrency: number;
  /**
   * Where claimed events that would only fill part of a bulk request wait for the next batch (the bulk outbox), and
   * how long at most (BULK_WAIT_SECONDS) before they go anyway. Without it every batch sends all it claimed.
   */
  outbox?: { store: BulkOutbox; flushes: OutboxFlushQueue; waitSeconds: number };
}

/** An account whose waiting events go now, whatever their number, if any was put in the outbox at or before `before`. */
export interface OutboxFlush {
  accountId: string;
  /** ISO instant. */
  before: string;
  /** The caller's tag (the SQS message id), reported in `failed` when the account's events could not be sent. */
  tag: string;
}

export interface HistoryOutcome extends PublishOutcome {
  /** Bulk requests Klaviyo accepted. */
  bulkRequests: number;
  /** Snapshots that failed, with the caller's tag (the SQS message id) so only their messages are retried. */
  failed: { tag: string; error: unknown }[];
}

export type PublishHistory = (items: { tag: string; snapshot: Snapshot }[], flushes?: OutboxFlush[]) => Promise<HistoryOutcome>;

/**
 * Orders one batch may read from ShipStation (labels of orders an import never brought): each is a request from the
 * shared 40/minute budget, and the batch must finish well within the function's timeout; the rest wait again.
 */
const MAX_ORDER_LOOKUPS = 5;

export interface Pending {
  account: Account;
  event: KlaviyoEvent;
  claimId: string;
  /** The state of the Klaviyo key when the event was claimed (a replacing key's first success ends a pause). */
  keyState: KeyState;
}

/** One label's or fulfilment's place in the wait list (a redelivered copy in the same batch is one). */
const waitKey = (s: Snapshot): string =>
  `${s.accountId}\u0000${s.kind}\u0000${s.kind === 'shipment' ? s.shipmentId : s.kind === 'fulfillment' ? s.fulfillmentId : s.orderId}\u0000${s.kind === 'order' ? '' : String(s.voided)}`;

const snapshotOrder = (a: Snapshot, b: Snapshot): number => {
  const rank = (s: Snapshot): number => (s.kind === 'order' ? 0 : 1);
  const time = (s: Snapshot): string => (s.kind === 'order' ? s.modifiedAt : s.createdAt);
  return rank(a) - rank(b) || time(a).localeCompare(time(b));
};

/** Klaviyo failed for now past the adapter's retries (inside sendInBulk only). */
class KlaviyoUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KlaviyoUnavailableError';
  }
}

/**
 * Sends one account's claimed events in as few bulk requests as Klaviyo's limits allow, and settles every claim:
 * sent; dead-lettered with its own reason (a request refused as a whole is retried event by event, so only the bad
 * event is); held, with the rest, when the key is refused (the account pauses and alerts once) or Klaviyo fails past
 * the adapter's retries (an outage: released in order once it answers again); or released and the error rethrown
 * when anything else fails. When a key that replaced a refused one is accepted, the pause ends and (with
 * `queueCatchUp`, unless the caller is the catch-up itself) a poll job is queued to release what is held.
 */
export async function sendInBulk(
  deps: Omit<PublishHistoryDeps, 'concurrency'>,
  account: Account,
  group: Pending[],
  outcome: HistoryOutcome,
  /**
   * `releasing`: the release of held events, which is itself the probe of an outage (so it does not hold for one);
   * `klaviyoAnswers`: asked when a bulk request fails for now (a request that carries no event): when Klaviyo answers
   * it, the failure is the chunk's, so its events go one by one and one Klaviyo keeps failing is dead-lettered rather
   * than held again (it would stall the account's backlog for good).
   */
  options: { queueCatchUp: boolean; releasing?: boolean; klaviyoAnswers?: () => Promise<boolean> } = { queueCatchUp: true },
): Promise<void> {
  const unsent = new Set(group);
  let replacing = group.some((p) => p.keyState === 'replaced');
  const accepted = async (): Promise<void> => {
    if (!replacing) return;
    replacing = false;
    await reportWorkingKey(deps, account, 'klaviyo', { queueCatchUp: options.queueCatchUp });
  };
  const sendAlone = async (p: Pending, onTransient: 'hold' | 'dead-letter' = 'hold'): Promise<void> => {
    // A key found refused, or Klaviyo found down, meanwhile holds the rest instead of trying each.
    const state = await keyState(deps, account, 'klaviyo');
    if (state === 'paused') throw new CredentialsPausedError(account.id, 'klaviyo');
    if (state === 'outage' && options.releasing !== true) throw new KlaviyoUnavailableError('Klaviyo is unavailable');
    unsent.delete(p);
    await sendClaimed(deps, account, p.event, p.claimId, outcome, { onTransient });
    if (outcome.sent.includes(p.event.uniqueId)) await accepted();
  };
  try {
    // An event too large for any bulk request goes alone through Create Event, which settles it.
    const alone = group.filter((p) => bulkRequestProblem([p.event]) !== undefined);
    for (const p of alone) await sendAlone(p);
    const bulk = group.filter((p) => !alone.includes(p));
    const claims = new Map(bulk.map((p) => [p.event.uniqueId, p]));
    for (const chunk of planBulkRequests(bulk.map((p) => p.event))) {
      const chunkPending = chunk.map((event) => claims.get(event.uniqueId) as Pending);
      try {
        await deps.klaviyoBulk.createEvents(account.id, chunk);
      } catch (error) {
        if (error instanceof TransientError) {
          if (options.klaviyoAnswers === undefined || !(await options.klaviyoAnswers())) throw new KlaviyoUnavailableError(error.message);
          deps.log.warn('bulk request failed while Klaviyo answers; sending its events one by one', {
            accountId: account.id,
            events: chunk.length,
            reason: error.message,
          });
          for (const p of chunkPending) await sendAlone(p, 'dead-letter');
          continue;
        }
        if (!(error instanceof KlaviyoRejectedError)) throw error;
        if (error.isCredentialProblem) {
          await reportRejectedKey(deps, account, 'klaviyo', `${error.status} ${error.reason}`);
          throw new CredentialsPausedError(account.id, 'klaviyo');
        }
        deps.log.warn('bulk request refused; sending its events one by one', {
          accountId: account.id,
          events: chunk.length,
          status: error.status,
          reason: error.reason,
        });
        for (const p of chunkPending) await sendAlone(p);
        continue;
      }
      outcome.bulkRequests += 1;
      // Accepted by Klaviyo: never released again, even if marking one sent fails (its unique_id absorbs a resend).
      for (const p of chunkPending) unsent.delete(p);
      await Promise.all(
        chunkPending.map(async (p) => {
          await deps.ledger.markSent(account.id, p.event.uniqueId, p.claimId, p.event.metric, deps.clock.now());
          outcome.sent.push(p.event.uniqueId);
          deps.metrics.eventsSent(p.event.metric, 1);
        }),
      );
      deps.log.info('history events sent in bulk', { accountId: account.id, events: chunk.length });
      await accepted();
    }
  } catch (error) {
    if (error instanceof CredentialsPausedError) {
      await holdEvents(deps, account, [...unsent], 'the Klaviyo key is refused', outcome);
      return;
    }
    if (error instanceof KlaviyoUnavailableError) {
      // The rest is held; the call that begins the outage queues its release.
      await holdEvents(deps, account, [...unsent], `Klaviyo is unavailable: ${error.message}`, outcome);
      await reportOutage(deps, account, error.message);
      return;
    }
    // Whatever was not sent goes back to the ledger as unclaimed, so a retry can send it.
    await Promise.all([...unsent].map((p) => deps.ledger.release(account.id, p.event.uniqueId, p.claimId)));
    throw error;
  }
}

/** Waiting events read (and claimed) per batch and account at most: a few bulk requests' worth. */
const MAX_WAITING = 5_000;
/** Claims written at once. */
const CLAIM_CONCURRENCY = 25;

/** The account's waiting events, claimed for this batch (one another worker holds is left to it). */
async function takeWaiting(
  deps: PublishHistoryDeps & { outbox: NonNullable<PublishHistoryDeps['outbox']> },
  account: Account,
  fresh: ReadonlySet<string>,
  /** A flush with nothing of its own to send (no batch events): it takes the waiting events only when one is due. */
  flushOnly: { before: string } | undefined,
  claims: { taken(p: Pending): void },
): Promise<{ pending: Pending[]; listed: Set<string>; settled: string[]; oldest?: string }> {
  const taken = { pending: [] as Pending[], listed: new Set<string>(), settled: [] as string[], oldest: undefined as string | undefined };
  const state = await keyState(deps, account, 'klaviyo');
  const entries: WaitingEvent[] = [];
  let after: string | undefined;
  do {
    const page = await deps.outbox.store.list(account.id, KLAVIYO_BULK_LIMITS.maxEvents, after);
    for (const entry of page.entries) {
      entries.push(entry);
      taken.listed.add(entry.event.uniqueId);
      if (taken.oldest === undefined || entry.since < taken.oldest) taken.oldest = entry.since;
    }
    after = page.next;
  } while (after !== undefined && taken.listed.size < MAX_WAITING);
  // While the key is refused or Klaviyo is down they stay where they are: nothing is lost, and nothing is tried.
  if (state === 'paused' || state === 'outage') return taken;
  // A flush that finds nothing due claims nothing, so it never keeps them from the batch or flush that owns them.
  if (flushOnly !== undefined && (taken.oldest === undefined || taken.oldest > flushOnly.before)) return taken;
  for (let i = 0; i < entries.length; i += CLAIM_CONCURRENCY) {
    await Promise.all(
      entries.slice(i, i + CLAIM_CONCURRENCY).map(async ({ event }) => {
        // Decided again by this batch: its fresh claim sends it, and its waiting copy is removed after.
        if (fresh.has(event.uniqueId)) return;
        const claimed = await deps.ledger.claim(account.id, event.uniqueId, deps.clock.now());
        if (claimed.status === 'claimed') {
          const pending = { account, event, claimId: claimed.claimId, keyState: state };
          taken.pending.push(pending);
          claims.taken(pending);
        } else if (claimed.status !== 'in-flight') taken.settled.push(event.uniqueId); // sent, suppressed or dead-lettered meanwhile
      }),
    );
  }
  // Oldest first: they fill the full requests before this batch's own events.
  taken.pending.sort((a, b) => a.event.time.localeCompare(b.event.time));
  return taken;
}

/**
 * Sends one account's claimed events with those waiting in its outbox: every full bulk request goes; the last,
 * partial one waits in the outbox for the next batch (its claims released, a later look at the outbox queued), unless
 * something has waited since `flushBefore` or earlier, when everything goes.
 */
async function sendThroughOutbox(
  deps: PublishHistoryDeps,
  account: Account,
  fresh: Pending[],
  outcome: HistoryOutcome,
  flushBefore: string | undefined,
): Promise<void> {
  const { outbox } = deps;
  if (outbox === undefined) {
    await sendInBulk(deps, account, fresh, outcome);
    return;
  }
  // Every claim this call holds and has not handed on: released if anything fails, so a retry can take them at once.
  const held = new Set<Pending>(fresh);
  const claims = { taken: (p: Pending): void => void held.add(p), release: (p: Pending): void => void held.delete(p) };
  const own: HistoryOutcome = { ...noOutcome(), bulkRequests: 0, failed: [] };
  let waiting: Awaited<ReturnType<typeof takeWaiting>> | undefined;
  try {
    waiting = await takeWaiting(
      { ...deps, outbox },
      account,
      new Set(fresh.map((p) => p.event.uniqueId)),
      fresh.length === 0 && flushBefore !== undefined ? { before: flushBefore } : undefined,
      claims,
    );
    const group = [...waiting.pending, ...fresh];
    const sendAll = flushBefore !== undefined && waiting.oldest !== undefined && waiting.oldest <= flushBefore;
    let keep: Pending[] = [];
    if (!sendAll) {
      const bulk = group.filter((p) => bulkRequestProblem([p.event]) === undefined);
      const last = planBulkRequests(bulk.map((p) => p.event)).at(-1);
      if (last !== undefined && last.length < KLAVIYO_BULK_LIMITS.maxEvents) {
        const ids = new Set(last.map((e) => e.uniqueId));
        keep = bulk.filter((p) => ids.has(p.event.uniqueId));
      }
    }
    const toSend = group.filter((p) => !keep.includes(p));
    // sendInBulk settles every claim it is given (sent, dead-lettered, held, or released before it rethrows).
    for (const p of toSend) claims.release(p);
    await sendInBulk(deps, account, toSend, own);
    if (keep.length > 0) {
      const now = deps.clock.now();
      const newlyWaiting = keep.filter((p) => !waiting?.listed.has(p.event.uniqueId));
      // The outbox copy first: if this stops between the writes, a claim runs out and the copy is still there.
      await outbox.store.put(
        newlyWaiting.map((p) => p.event),
        now,
      );
      await Promise.all(keep.map((p) => deps.ledger.release(account.id, p.event.uniqueId, p.claimId)));
      for (const p of keep) claims.release(p);
      // Whatever waits now (put just now, or put earlier and taken back) is looked at again BULK_WAIT_SECONDS later.
      await outbox.flushes.flushOutboxLater(account.id, now, outbox.waitSeconds);
      deps.log.info('history events wait for a full bulk request', { accountId: account.id, events: keep.length, waitSeconds: outbox.waitSeconds });
    }
    // While the key is refused or Klaviyo is down, a flush leaves them: the first scheduled job after it ends sends them.
  } finally {
    await Promise.all([...held].map((p) => deps.ledger.release(account.id, p.event.uniqueId, p.claimId)));
    if (waiting !== undefined) {
      const done = new Set([...own.sent, ...own.deadLettered, ...own.held, ...waiting.settled]);
      const gone = [...waiting.listed].filter((id) => done.has(id));
      if (gone.length > 0) await outbox.store.remove(account.id, gone);
    }
    outcome.bulkRequests += own.bulkRequests;
    outcome.sent.push(...own.sent);
    outcome.deadLettered.push(...own.deadLettered);
    outcome.held.push(...own.held);
    outcome.deduplicated.push(...own.deduplicated);
    outcome.suppressed.push(...own.suppressed);
  }
}

/**
 * Publishes a batch of historical snapshots. Each order's snapshots are applied in time order (orders before their
 * labels); events are claimed as they are decided and sent together at the end (sendInBulk). A transient failure
 * reports that account's messages as failed (SQS brings them back); other accounts in the batch are not held up.
 */
export function makePublishHistory(deps: PublishHistoryDeps): PublishHistory {
  return async (items, flushes = []) => {
    const outcome: HistoryOutcome = { ...noOutcome(), bulkRequests: 0, failed: [] };
    const pending: Pending[] = [];
    const pendingIds = new Set<string>();
    // Labels whose order is not applied yet: back on the history queue together, after the batch.
    const waiting = new Map<string, Snapshot>();
    /** Items that were made to wait, to look at again once the batch is through (their order may have come meanwhile). */
    const waited: { tag: string; snapshot: Snapshot }[] = [];
    const publish = makeSnapshotPublisher(
      deps,
      async (account, event, snapshotOutcome) => {
        // The same event twice in one batch (overlapping windows, a redelivered message): the second is a duplicate.
        if (pendingIds.has(`${account.id}\u0000${event.uniqueId}`)) {
          snapshotOutcome.deduplicated.push(event.uniqueId);
          deps.metrics.eventsDeduplicated(1);
          return;
        }
        const claimed = await claimForSending(deps, account, event, snapshotOutcome);
        if (claimed === undefined) return;
        pendingIds.add(`${account.id}\u0000${event.uniqueId}`);
        pending.push({ account, event, ...claimed });
      },
      async (snapshot) => {
        waiting.set(waitKey(snapshot), snapshot);
      },
      { maxOrderLookups: MAX_ORDER_LOOKUPS },
    );
    const publishOne = async ({ tag, snapshot }: { tag: string; snapshot: Snapshot }): Promise<void> => {
      try {
        const result = await publish(snapshot);
        outcome.deduplicated.push(...result.deduplicated);
        outcome.deadLettered.push(...result.deadLettered);
        outcome.suppressed.push(...result.suppressed);
        outcome.held.push(...result.held);
        outcome.stale ||= result.stale;
        if (result.waitingForOrder === true) waited.push({ tag, snapshot });
      } catch (error) {
        outcome.failed.push({ tag, error });
      }
    };

    const byOrder = groupBy(items, (item) => `${item.snapshot.accountId}\u0000${item.snapshot.orderId}`);
    const groups = [...byOrder.values()].map((group) => group.sort((a, b) => snapshotOrder(a.snapshot, b.snapshot)));
    const work = async (): Promise<void> => {
      for (let group = groups.shift(); group !== undefined; group = groups.shift()) {
        for (const item of group) await publishOne(item);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, deps.concurrency) }, work));
    // Another consumer has often applied a waiting label's order by now: those go out with this batch (one bulk
    // request rather than a later one of their own), the rest wait on the history queue.
    const retry = waited.splice(0);
    for (const item of retry) {
      if ((await deps.orderStates.get(item.snapshot.accountId, item.snapshot.orderId))?.buyer === undefined) continue;
      waiting.delete(waitKey(item.snapshot));
      await publishOne(item);
    }
    if (waiting.size > 0) {
      const back = [...waiting.values()];
      try {
        await deps.history.enqueueAll(back, deps.orderWaitSeconds);
        deps.log.info('history labels wait for their orders', { labels: back.length, waitSeconds: deps.orderWaitSeconds });
      } catch (error) {
        // Not queued to wait: their own messages are retried instead, so nothing is lost.
        const keys = new Set(back.map((s) => `${s.accountId}\u0000${s.orderId}`));
        for (const item of items) if (keys.has(`${item.snapshot.accountId}\u0000${item.snapshot.orderId}`)) outcome.failed.push({ tag: item.tag, error });
      }
    }

    const byAccount = groupBy(pending, (p) => p.account.id);
    const flushBefore = new Map<string, string>();
    for (const { accountId, before } of flushes) if (before > (flushBefore.get(accountId) ?? '')) flushBefore.set(accountId, before);
    // Each account is sent on its own: one account's refused key or Klaviyo outage fails only its own messages.
    for (const accountId of new Set([...byAccount.keys(), ...flushBefore.keys()])) {
      try {
        const account = byAccount.get(accountId)?.[0]?.account ?? deps.accounts.find(accountId);
        if (account === undefined) throw new BadInputError(`unknown account ${accountId}`);
        await sendThroughOutbox(deps, account, byAccount.get(accountId) ?? [], outcome, flushBefore.get(accountId));
      } catch (error) {
        const tags = new Set([
          ...items.filter((item) => item.snapshot.accountId === accountId).map((item) => item.tag),
          ...flushes.filter((flush) => flush.accountId === accountId).map((flush) => flush.tag),
        ]);
        for (const tag of tags) outcome.failed.push({ tag, error });
        deps.log.warn('history events of the account not sent; its messages will be retried', {
          accountId,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
    return outcome;
  };
}

/** Sends what has waited in an account's bulk outbox for a whole BULK_WAIT_SECONDS (the scheduled poll's backstop). */
export type FlushOutbox = (accountId: string) => Promise<void>;

/**
 * The scheduled look at an account's outbox: a flush message that was never sent (the function stopped between its
 * put and its send) or never came leaves events waiting; each scheduled poll job sends what has waited that long, so
 * no event waits more than one schedule. (Built without the snapshot publisher, which poll-shipstation does not need.)
 */
export function makeFlushOutbox(deps: Omit<PublishHistoryDeps, 'concurrency' | 'outbox'> & { outbox: NonNullable<PublishHistoryDeps['outbox']> }): FlushOutbox {
  return async (accountId) => {
    const account = deps.accounts.find(accountId);
    if (account === undefined) throw new BadInputError(`unknown account ${accountId}`);
    const before = new Date(deps.clock.now().getTime() - deps.outbox.waitSeconds * 1000).toISOString();
    await sendThroughOutbox({ ...deps, concurrency: 1 }, account, [], { ...noOutcome(), bulkRequests: 0, failed: [] }, before);
  };
}
