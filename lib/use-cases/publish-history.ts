// publish-history → publishHistory → (order state, event ledger in DynamoDB) → Klaviyo Bulk Create Events.
// Historical snapshots (import, backfill, catch-up) go through the same state, stale and dedupe rules as live ones;
// only the sending differs: the claimed events of a whole batch leave in as few bulk requests as Klaviyo's limits allow.
import { CredentialsPausedError, KlaviyoRejectedError } from '../domain/errors.js';
import { bulkRequestProblem, planBulkRequests } from '../domain/klaviyo-bulk.js';
import type { KlaviyoEvent } from '../domain/klaviyo-event.js';
import type { Snapshot } from '../domain/snapshot.js';
import type { Account, KlaviyoBulkApi } from '../ports.js';
import { claimForSending, makeSnapshotPublisher, sendClaimed, type PublishOutcome, type PublishUpdateDeps } from './publish-update.js';

export interface PublishHistoryDeps extends PublishUpdateDeps {
  klaviyoBulk: KlaviyoBulkApi;
  /** Orders worked on at once (each order's snapshots stay in order). */
  concurrency: number;
}

export interface HistoryOutcome extends PublishOutcome {
  /** Bulk requests Klaviyo accepted. */
  bulkRequests: number;
  /** Snapshots that failed, with the caller's tag (the SQS message id) so only their messages are retried. */
  failed: { tag: string; error: unknown }[];
}

export type PublishHistory = (items: { tag: string; snapshot: Snapshot }[]) => Promise<HistoryOutcome>;

interface Pending {
  account: Account;
  event: KlaviyoEvent;
  claimId: string;
}

const snapshotOrder = (a: Snapshot, b: Snapshot): number => {
  const rank = (s: Snapshot): number => (s.kind === 'order' ? 0 : 1);
  const time = (s: Snapshot): string => (s.kind === 'order' ? s.modifiedAt : s.createdAt);
  return rank(a) - rank(b) || time(a).localeCompare(time(b));
};

/**
 * Publishes a batch of historical snapshots. Each order's snapshots are applied in time order (orders before their
 * labels); events are claimed as they are decided and sent together at the end. A bulk request Klaviyo refuses as a
 * whole (400) is retried event by event, so the one bad event is dead-lettered with its own reason and the others
 * go through; a refused key holds every event (claims released, the batch retried later); a transient failure releases
 * the claims not yet sent and throws, so the batch comes back.
 */
export function makePublishHistory(deps: PublishHistoryDeps): PublishHistory {
  return async (items) => {
    const outcome: HistoryOutcome = { sent: [], deduplicated: [], deadLettered: [], suppressed: [], stale: false, bulkRequests: 0, failed: [] };
    const pending: Pending[] = [];
    const pendingIds = new Set<string>();
    const publish = makeSnapshotPublisher(deps, async (account, event, snapshotOutcome) => {
      // The same event twice in one batch (overlapping windows, a redelivered message): the second is a duplicate.
      if (pendingIds.has(`${account.id}\u0000${event.uniqueId}`)) {
        snapshotOutcome.deduplicated.push(event.uniqueId);
        return;
      }
      const claimId = await claimForSending(deps, account, event, snapshotOutcome);
      if (claimId === undefined) return;
      pendingIds.add(`${account.id}\u0000${event.uniqueId}`);
      pending.push({ account, event, claimId });
    });

    const byOrder = new Map<string, { tag: string; snapshot: Snapshot }[]>();
    for (const item of items) {
      const key = `${item.snapshot.accountId}\u0000${item.snapshot.orderId}`;
      byOrder.set(key, [...(byOrder.get(key) ?? []), item]);
    }
    const groups = [...byOrder.values()].map((group) => group.sort((a, b) => snapshotOrder(a.snapshot, b.snapshot)));
    const work = async (): Promise<void> => {
      for (let group = groups.shift(); group !== undefined; group = groups.shift()) {
        for (const { tag, snapshot } of group) {
          try {
            const result = await publish(snapshot);
            outcome.deduplicated.push(...result.deduplicated);
            outcome.deadLettered.push(...result.deadLettered);
            outcome.suppressed.push(...result.suppressed);
            outcome.stale ||= result.stale;
          } catch (error) {
            outcome.failed.push({ tag, error });
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, deps.concurrency) }, work));

    const byAccount = new Map<string, Pending[]>();
    for (const p of pending) byAccount.set(p.account.id, [...(byAccount.get(p.account.id) ?? []), p]);
    const unsent = new Set(pending);
    try {
      for (const group of byAccount.values()) {
        const account = (group[0] as Pending).account;
        // An event too large for any bulk request goes alone through Create Event, which settles it (sent or dead-lettered).
        const alone = group.filter((p) => bulkRequestProblem([p.event]) !== undefined);
        for (const p of alone) {
          unsent.delete(p);
          await sendClaimed(deps, account, p.event, p.claimId, outcome);
        }
        const bulk = group.filter((p) => !alone.includes(p));
        const claims = new Map(bulk.map((p) => [p.event.uniqueId, p]));
        for (const chunk of planBulkRequests(bulk.map((p) => p.event))) {
          const chunkPending = chunk.map((event) => claims.get(event.uniqueId) as Pending);
          try {
            await deps.klaviyoBulk.createEvents(account.id, chunk);
          } catch (error) {
            if (!(error instanceof KlaviyoRejectedError)) throw error;
            if (error.isCredentialProblem) {
              const first = await deps.credentials.markInvalid(account.id, 'klaviyo', account.klaviyoFingerprint, error.reason);
              if (first) deps.log.error('klaviyo credentials rejected; pausing sends for the account', { accountId: account.id, status: error.status });
              throw new CredentialsPausedError(account.id, 'klaviyo');
            }
            deps.log.warn('bulk request refused; sending its events one by one', { accountId: account.id, events: chunk.length, status: error.status, reason: error.reason });
            for (const p of chunkPending) {
              unsent.delete(p);
              await sendClaimed(deps, account, p.event, p.claimId, outcome);
            }
            continue;
          }
          outcome.bulkRequests += 1;
          await Promise.all(chunkPending.map(async (p) => {
            await deps.ledger.markSent(account.id, p.event.uniqueId, p.claimId, deps.clock.now());
            unsent.delete(p);
            outcome.sent.push(p.event.uniqueId);
          }));
          deps.log.info('history events sent in bulk', { accountId: account.id, events: chunk.length });
        }
      }
    } catch (error) {
      // Whatever was not sent goes back to the ledger as unclaimed, so the retried batch can send it.
      await Promise.all([...unsent].map((p) => deps.ledger.release(p.account.id, p.event.uniqueId, p.claimId)));
      throw error;
    }
    return outcome;
  };
}
