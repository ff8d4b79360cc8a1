// shipstation-klaviyo reconcile → reconcileAccount → ShipStation list pages (the poll's lister and rate budget) + order
// states, ledger, held events and poll cursor in DynamoDB → a report of what is sent, missing or contradicted; with
// `fix`, the missing snapshots go on the updates / history queues for the normal consumers to send (dedupe holds).
import { mapLimit } from '../domain/map-limit.js';
import { BadInputError } from '../domain/errors.js';
import { nextPosition, PAGE_SIZE, toWholeSecond, type PollPosition, type PollStream } from '../domain/poll-plan.js';
import { checkOrder, idsToLookUp, reconcile, type RecordedEventStatus, type ReconcileReport } from '../domain/reconcile.js';
import { changedAt, inStores, type OrderSnapshot, type ShipmentSnapshot, type Snapshot } from '../domain/snapshot.js';
import { toPacificQuery, toPacificQueryLowerBound } from '../normalise/pacific-time.js';
import type {
  BulkOutbox,
  Account,
  AccountDirectory,
  Clock,
  EventLedger,
  HeldEventStore,
  HistoryQueue,
  OrderStateStore,
  PollCursorStore,
  ShipStationLister,
  UpdateQueue,
} from '../ports.js';

export interface ReconcileAccountDeps {
  accounts: AccountDirectory;
  /** The poll's lister: every page is taken from the account's shared ShipStation budget. */
  shipStation: ShipStationLister;
  orderStates: Pick<OrderStateStore, 'get'>;
  ledger: Pick<EventLedger, 'status'>;
  held: Pick<HeldEventStore, 'list'>;
  /** History events waiting for a full bulk request: not sent yet, not lost (their ledger claims are released meanwhile). */
  outbox?: Pick<BulkOutbox, 'list'>;
  cursors: Pick<PollCursorStore, 'get'>;
  updates: UpdateQueue;
  history: HistoryQueue;
  clock: Clock;
  /** As the poll: a missing change older than this goes to the history queue (bulk, backfill), newer to updates. */
  backfillAfterHours: number;
  /** DynamoDB reads at once. */
  concurrency?: number;
}

/** The days a reconcile may look back: ShipStation's list filters, and the ledger's retention, cover far more. */
export const RECONCILE_MAX_DAYS = 90;

export interface ReconcileRequest {
  accountId: string;
  /** Orders modified and labels created in the last `days` days (1 to RECONCILE_MAX_DAYS). */
  days: number;
  /** Enqueue the snapshots of what is missing (and fixable). */
  fix: boolean;
  /** Called after each ShipStation page (progress for long runs). */
  onPage?: (progress: { resource: 'orders' | 'shipments'; page: number; pages: number }) => void;
}

export interface ReconcileResult {
  accountId: string;
  windowStart: string;
  windowEnd: string;
  /** The poll cursor when the comparison was made; changes after it are reported as not polled yet. */
  polledThrough?: string;
  /** ShipStation requests made (retries included). */
  requests: number;
  /** Rows ShipStation returned that could not be read (the poll dead-letters them; here they are only counted). */
  unreadable: number;
  report: ReconcileReport;
  /** With `fix`: snapshots enqueued, per queue. */
  enqueued?: { updates: number; history: number };
}

export type ReconcileAccount = (request: ReconcileRequest) => Promise<ReconcileResult>;

const DAY = 86_400_000;
const HOUR = 3_600_000;
const HELD_PAGE = 500;

/** Orders by modifyDate (they move while paged, hence the poll's restart rule), labels by createDate. */
const ORDERS: PollStream = { name: 'orders', resource: 'orders', dateField: 'modifyDate', sortBy: 'ModifyDate', shifting: true };
const LABELS: PollStream = { name: 'shipments', resource: 'shipments', dateField: 'createDate', sortBy: 'CreateDate', shifting: false };

/**
 * Builds the use case: reads the account's orders modified and labels created in the window (Pacific-time filters,
 * the store filter applied as the poll applies it), compares them with the ledger (domain/reconcile.ts), and with `fix`
 * enqueues the snapshots of the fixable missing events, routed by age as the poll routes them.
 */
export function makeReconcileAccount(deps: ReconcileAccountDeps): ReconcileAccount {
  const concurrency = deps.concurrency ?? 16;

  /** Every row of one list in the window, read page by page with the poll's walk (restarts when rows shift). */
  const readAll = async (
    account: Account,
    stream: PollStream,
    window: { start: string; end: string },
    fix: boolean,
    request: ReconcileRequest,
    counters: { requests: number; unreadable: number },
  ): Promise<Snapshot[]> => {
    const rows: Snapshot[] = [];
    let position: PollPosition = { from: window.start, page: 1 };
    for (;;) {
      const query: Record<string, string> = {
        [`${stream.dateField}Start`]: toPacificQueryLowerBound(new Date(position.from)),
        [`${stream.dateField}End`]: toPacificQuery(new Date(window.end)),
        sortBy: stream.sortBy,
        sortDir: 'ASC',
        pageSize: String(PAGE_SIZE),
        page: String(position.page),
      };
      if (account.storeIds?.length === 1) query.storeId = String(account.storeIds[0]);
      // Items only matter for what --fix enqueues: the Order Shipped it leads to lists them.
      if (stream.resource === 'shipments') query.includeShipmentItems = fix ? 'true' : 'false';
      // Both streams are V1's (orders, shipments).
      const page = await deps.shipStation.listPage(account.id, { resource: stream.resource as 'orders' | 'shipments', query });
      counters.requests += page.requests;
      counters.unreadable += page.unreadable.length;
      rows.push(...page.snapshots.filter((s) => inStores(s, account.storeIds)));
      request.onPage?.({ resource: stream.resource as 'orders' | 'shipments', page: page.page, pages: page.pages });
      const keys = page.snapshots.map((s) => (s.kind === 'order' && stream.dateField === 'modifyDate' ? s.modifiedAt : s.createdAt)).sort();
      const next = nextPosition(stream, position, { rows: page.rows, page: page.page, pages: page.pages, total: page.total, maxKey: keys.at(-1) });
      if (next === 'done') return rows;
      position = next;
    }
  };

  const heldIds = async (accountId: string): Promise<Set<string>> => {
    const ids = new Set<string>();
    let after: string | undefined;
    do {
      const page = await deps.held.list(accountId, HELD_PAGE, after);
      for (const event of page.events) ids.add(event.uniqueId);
      after = page.next;
    } while (after !== undefined);
    // Waiting in the bulk outbox counts as held: it goes with the next batch or within BULK_WAIT_SECONDS.
    after = undefined;
    if (deps.outbox !== undefined) {
      do {
        const page = await deps.outbox.list(accountId, HELD_PAGE, after);
        for (const { event } of page.entries) ids.add(event.uniqueId);
        after = page.next;
      } while (after !== undefined);
    }
    return ids;
  };

  return async (request) => {
    const account = deps.accounts.find(request.accountId);
    if (account === undefined) throw new BadInputError(`unknown account ${request.accountId}`);
    if (!Number.isInteger(request.days) || request.days < 1 || request.days > RECONCILE_MAX_DAYS) {
      throw new BadInputError(`days must be a whole number from 1 to ${RECONCILE_MAX_DAYS}, got ${request.days}`);
    }
    const now = deps.clock.now();
    const window = { start: toWholeSecond(now.getTime() - request.days * DAY), end: toWholeSecond(now.getTime()) };
    const counters = { requests: 0, unreadable: 0 };
    const cursor = await deps.cursors.get(account.id);

    // The newest row of each order / label wins (a restarted walk reads some rows twice).
    const orders = new Map<number, OrderSnapshot>();
    for (const s of await readAll(account, ORDERS, window, request.fix, request, counters)) {
      if (s.kind !== 'order') continue;
      const known = orders.get(s.orderId);
      if (known === undefined || known.modifiedAt <= s.modifiedAt) orders.set(s.orderId, s);
    }
    const labels = new Map<number, ShipmentSnapshot>();
    for (const s of await readAll(account, LABELS, window, request.fix, request, counters)) {
      if (s.kind === 'shipment') labels.set(s.shipmentId, s);
    }

    const orderList = [...orders.values()];
    const states = await mapLimit(orderList, concurrency, (order) => deps.orderStates.get(account.id, order.orderId));
    const checks = orderList.map((order, i) => checkOrder(order, states[i]));
    const labelList = [...labels.values()];
    const ids = idsToLookUp(checks, labelList);
    const statuses = await mapLimit(ids, concurrency, (id) => deps.ledger.status(account.id, id, now));
    const recorded = new Map<string, RecordedEventStatus>(ids.map((id, i) => [id, statuses[i] as RecordedEventStatus]));
    const report = reconcile({ orders: checks, labels: labelList, recorded, held: await heldIds(account.id), polledThrough: cursor?.through });

    const result: ReconcileResult = {
      accountId: account.id,
      windowStart: window.start,
      windowEnd: window.end,
      ...(cursor?.through === undefined ? {} : { polledThrough: cursor.through }),
      requests: counters.requests,
      unreadable: counters.unreadable,
      report,
    };
    if (!request.fix) return result;
    // One snapshot per order or label, however many of its events are missing.
    const fixes = new Map<string, Snapshot>();
    for (const m of report.missing) {
      if (m.fixable) fixes.set(m.snapshot.kind === 'shipment' ? `shipment:${m.snapshot.shipmentId}` : `order:${m.snapshot.orderId}`, m.snapshot);
    }
    const cutoff = now.getTime() - deps.backfillAfterHours * HOUR;
    const old = [...fixes.values()].filter((s) => Date.parse(changedAt(s)) < cutoff);
    const recent = [...fixes.values()].filter((s) => Date.parse(changedAt(s)) >= cutoff);
    if (old.length > 0) await deps.history.enqueueAll(old);
    if (recent.length > 0) await deps.updates.enqueueAll(recent);
    return { ...result, enqueued: { updates: recent.length, history: old.length } };
  };
}
