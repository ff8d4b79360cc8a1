// poll-shipstation (each scheduled job, before it polls) → sweepDueChecks → DynamoDB due checks → Klaviyo.
// Finds what silence means: an order still unshipped when it was due (`Order Delayed`), a tracked package with no new
// scan for days (`Shipment Stalled`). Each check is verified against the current state before anything is sent.
import { TransientError } from '../domain/errors.js';
import { orderDelayedEvent, shipmentStalledEvent, type MappingContext } from '../domain/event-mapping.js';
import type { OrderState } from '../domain/order-state.js';
import { ORDER_STATUS_RULES } from '../domain/order-status.js';
import { delayDue, type DueCheck } from '../domain/shipment-tracking.js';
import type { Account, PollCursorStore } from '../ports.js';
import { keyState } from './credential-health.js';
import { buyerOfRecord } from './publish-tracking.js';
import { deliverLive, noOutcome, type PublishOutcome } from './sending.js';
import type { SnapshotPublisherDeps } from './snapshot-publisher.js';
import { writeVersioned } from './versioned-write.js';

export interface SweepDueChecksDeps extends SnapshotPublisherDeps {
  cursors: Pick<PollCursorStore, 'get'>;
}

export interface SweepOutcome {
  status: 'swept' | 'skipped';
  /** Why nothing was looked at (a paused ShipStation key, no completed import yet). */
  reason?: string;
  checked: number;
  sent: string[];
  /** Checks whose order shipped, was cancelled or changed its due time, or whose package moved or was delivered. */
  dropped: number;
  /** Checks left for the next sweep (a failure, logged; the ledger keeps a retried send from going out twice). */
  retried: number;
  /** The time budget ran out with checks still due. */
  stopped?: boolean;
  outcome: PublishOutcome;
}

/** How long a sweep may take: it stops (the rest is due at the next sweep) while there is time left to poll. */
export interface SweepLimits {
  timeLeftMs(): number;
  /** Time kept for what runs after the sweep (the poll). */
  reserveMs: number;
}

export type SweepDueChecks = (accountId: string, limits?: SweepLimits) => Promise<SweepOutcome>;

const PAGE = 100;
/** At most this many checks per sweep; the rest waits for the next (they are due, not lost). */
const MAX_PER_SWEEP = 1_000;

/**
 * Builds the sweep. It looks only at checks due before the account's poll cursor: what happened before then (a label
 * printed just before the ship-by date) has been enqueued by an earlier run and had time to be applied. It skips an
 * account whose ShipStation key is paused, since its order states are not current then.
 */
export function makeSweepDueChecks(deps: SweepDueChecksDeps): SweepDueChecks {
  const deliver = deliverLive(deps);

  const sendIfStillDue = async (account: Account, check: DueCheck, outcome: PublishOutcome): Promise<'sent' | 'dropped'> => {
    const context: MappingContext = {
      accountId: account.id,
      metricPrefix: account.metricPrefix,
      backfillAfterHours: deps.backfillAfterHours,
      now: deps.clock.now(),
    };
    if (check.kind === 'order-delayed') {
      const state = await deps.orderStates.get(account.id, check.orderId);
      const stillDue =
        state !== undefined &&
        state.delayDueAt === check.dueAt &&
        state.shippedAt === undefined &&
        state.status !== undefined &&
        ORDER_STATUS_RULES[state.status].delayable;
      if (!stillDue) return 'dropped';
      const due = delayDue(check.order, deps.delays.orderDelayedAfterHours, account.timeZone);
      if (due !== undefined && due.dueAt !== check.dueAt) {
        // Written by an earlier version (due at the start of the ship-by day) or before the account's time zone changed:
        // the check moves to when the day really ends, and the order state follows it.
        await moveDelayCheck(account, check, due.dueAt);
        return 'dropped';
      }
      // The check keeps the snapshot that set its time; the state holds the order's newest buyer, items and total.
      const order = {
        ...check.order,
        customer: state.buyer ?? check.order.customer,
        items: state.items ?? check.order.items,
        total: state.total ?? check.order.total,
        gift: state.gift ?? check.order.gift,
      };
      await deliver(account, orderDelayedEvent(order, check.dueAt, check.reason, context), outcome);
      return 'sent';
    }
    const record = await deps.shipments.get(account.id, check.orderId, check.shipmentKey);
    const progress = record?.tracking;
    if (record === undefined || record.voided || progress === undefined || progress.stallDueAt !== check.dueAt || progress.category === 'delivered')
      return 'dropped';
    await deliver(account, shipmentStalledEvent(await buyerOfRecord(deps, record), progress, check.dueAt, context), outcome);
    return 'sent';
  };

  /**
   * Moves an order's delay check to `dueAt`, as publish-events keeps it: the new check is stored before the state names
   * its time (only a state still naming the old one is moved), so a crash between leaves no state without its check.
   */
  const moveDelayCheck = async (account: Account, check: DueCheck & { kind: 'order-delayed' }, dueAt: string): Promise<void> => {
    const moved = await writeVersioned<OrderState, boolean>(
      () => deps.orderStates.get(account.id, check.orderId),
      (state) => deps.orderStates.put(state),
      (state) => (state?.delayDueAt === check.dueAt ? { write: { ...state, delayDueAt: dueAt }, result: true } : { result: false }),
      `order ${check.orderId} state`,
      () => deps.due.schedule({ ...check, dueAt }),
    );
    deps.log.info('delay check moved to the end of the ship-by day', { accountId: account.id, orderId: check.orderId, from: check.dueAt, to: dueAt, moved });
  };

  return async (accountId, limits) => {
    const result: SweepOutcome = { status: 'swept', checked: 0, sent: [], dropped: 0, retried: 0, outcome: noOutcome() };
    const account = deps.accounts.find(accountId);
    if (account === undefined) return { ...result, status: 'skipped', reason: 'unknown account' };
    // The key that tells order statuses: the V1 pair, or the V2 key of an account on API V2 only.
    if ((await keyState(deps, account, account.shipStationFingerprint === undefined ? 'shipstation-v2' : 'shipstation')) === 'paused')
      return { ...result, status: 'skipped', reason: 'the ShipStation key is refused: order states are not current' };
    const through = (await deps.cursors.get(accountId))?.through;
    if (through === undefined) return { ...result, status: 'skipped', reason: 'the first import has not completed' };
    const until = new Date(Math.min(deps.clock.now().getTime(), Date.parse(through)));
    const retried = new Set<string>();
    while (result.checked < MAX_PER_SWEEP) {
      const due = (await deps.due.listDue(accountId, until, PAGE + retried.size)).filter((c) => !retried.has(key(c)));
      if (due.length === 0) break;
      for (const check of due) {
        if (limits !== undefined && limits.timeLeftMs() < limits.reserveMs) {
          result.stopped = true;
          break;
        }
        result.checked += 1;
        const before = result.outcome.sent.length;
        try {
          const what = await sendIfStillDue(account, check, result.outcome);
          if (what === 'dropped') result.dropped += 1;
          result.sent.push(...result.outcome.sent.slice(before));
          await deps.due.remove(check);
        } catch (error) {
          // Left in place for the next sweep; one failing check never blocks the ones after it.
          retried.add(key(check));
          result.retried += 1;
          const log = error instanceof TransientError ? deps.log.warn.bind(deps.log) : deps.log.error.bind(deps.log);
          log('due check not handled now; the next sweep tries again', {
            accountId,
            orderId: check.orderId,
            check: check.kind,
            reason: error instanceof Error ? error.message : String(error),
          });
        }
      }
      if (result.stopped === true || due.length < PAGE) break;
    }
    if (result.checked > 0)
      deps.log.info('due checks swept', { accountId, checked: result.checked, sent: result.sent.length, dropped: result.dropped, retried: result.retried });
    return result;
  };
}

const key = (check: DueCheck): string => `${check.kind}|${check.orderId}|${check.dueAt}|${check.kind === 'shipment-stalled' ? check.shipmentKey : ''}`;
