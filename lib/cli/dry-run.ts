// backfill --dry-run: the real poll over the account's ShipStation, but with a fresh in-memory cursor and queues that
// only collect; the collected snapshots then go through the pure event mapping. Nothing is enqueued, no cursor moves,
// nothing reaches Klaviyo. (Requests still take from the shared ShipStation rate budget, as they must.)
import { randomUUID } from 'node:crypto';
import { emailOnlyFacts, fulfillmentShippedEvent, orderFactsOf, orderStatusEvent, shipmentShippedEvent, type MappingContext } from '../domain/event-mapping.js';
import type { KlaviyoEvent } from '../domain/klaviyo-event.js';
import type { OrderSnapshot, Snapshot } from '../domain/snapshot.js';
import type {
  AccountDirectory,
  Clock,
  CredentialStatusStore,
  DeadLetter,
  HistoryQueue,
  PollCursor,
  PollCursorStore,
  ShipStationCredentialCheck,
  ShipStationLister,
  ShipStationV2Reader,
  UpdateQueue,
} from '../ports.js';
import { makePollAccount, type PollAccount, type PollAccountDeps } from '../use-cases/poll-account.js';
import type { AppConfig } from '../config.js';

/** A cursor store that starts empty and forgets everything when the command ends. */
class MemoryPollCursorStore implements PollCursorStore {
  private readonly cursors = new Map<string, { cursor: PollCursor; owner?: string; until?: number }>();

  async get(accountId: string): Promise<PollCursor | undefined> {
    const entry = this.cursors.get(accountId);
    return entry === undefined ? undefined : structuredClone(entry.cursor);
  }

  async acquire(accountId: string, owner: string, until: Date, now: Date): Promise<PollCursor | undefined> {
    const entry = this.cursors.get(accountId) ?? { cursor: { accountId } };
    if (entry.owner !== undefined && entry.owner !== owner && (entry.until ?? 0) > now.getTime()) return undefined;
    this.cursors.set(accountId, { ...entry, owner, until: until.getTime() });
    return structuredClone(entry.cursor);
  }

  async save(cursor: PollCursor, _owner: string): Promise<void> {
    const entry = this.cursors.get(cursor.accountId);
    this.cursors.set(cursor.accountId, { ...entry, cursor: structuredClone(cursor) });
  }

  async release(accountId: string, owner: string): Promise<void> {
    const entry = this.cursors.get(accountId);
    if (entry?.owner === owner) this.cursors.set(accountId, { cursor: entry.cursor });
  }
}

/** Stands in for the updates and history queues: keeps the snapshots instead of sending them. */
class CollectingQueue implements UpdateQueue, HistoryQueue {
  readonly snapshots: Snapshot[] = [];

  async enqueueAll(snapshots: Snapshot[]): Promise<void> {
    this.snapshots.push(...snapshots);
  }
}

/**
 * Credentials as the dry run sees them: never known bad beforehand, and a 401 (which stops the poll, reported by the
 * command) marks nothing in the stage, so a dry run can neither pause an account nor alert anyone.
 */
const forgetfulCredentials: CredentialStatusStore = {
  status: async () => undefined,
  markInvalid: async () => true,
  markValid: async () => false,
  markAlerted: async () => undefined,
  isInvalid: async () => false,
  markOutage: async () => false,
  clearOutage: async () => false,
};

export interface DryRun {
  /** The poll, wired to the in-memory stand-ins. */
  pollAccount: PollAccount;
  /** Snapshots the poll would have enqueued. */
  collected: Snapshot[];
  /** Rows ShipStation returned that did not parse (the real run dead-letters them). */
  unreadable: DeadLetter[];
}

/** What a dry run borrows from the wiring: the accounts, ShipStation's list endpoints and the settings. */
export interface DryRunDeps {
  config: Pick<AppConfig, 'pollOverlapMinutes' | 'pollLagMinutes' | 'importDays' | 'backfillAfterHours'>;
  accounts: AccountDirectory;
  shipStation: ShipStationLister & ShipStationCredentialCheck;
  shipStationV2: Pick<ShipStationV2Reader, 'listV2Page' | 'checkV2Credentials'>;
  clock: Clock;
  log: PollAccountDeps['log'];
}

/** A poll that reads ShipStation for real and keeps everything else in memory. */
export function makeDryRun(deps: DryRunDeps): DryRun {
  const queue = new CollectingQueue();
  const unreadable: DeadLetter[] = [];
  const pollAccount = makePollAccount({
    accounts: deps.accounts,
    cursors: new MemoryPollCursorStore(),
    shipStation: deps.shipStation,
    shipStationV2: deps.shipStationV2,
    updates: queue,
    history: queue,
    credentials: forgetfulCredentials,
    alerts: { send: async () => undefined },
    alertLedger: { claim: async () => false, confirm: async () => undefined, release: async () => undefined },
    metrics: { pollLag: () => undefined, deadLettered: () => undefined, unknownStatus: () => undefined },
    pollJobs: { enqueue: async () => undefined },
    ledger: { deadLetter: async (record) => void unreadable.push(record) },
    clock: deps.clock,
    settings: {
      overlapMinutes: deps.config.pollOverlapMinutes,
      lagMinutes: deps.config.pollLagMinutes,
      importDays: deps.config.importDays,
      backfillAfterHours: deps.config.backfillAfterHours,
      leaseMs: 60 * 60_000,
    },
    newRunId: randomUUID,
    log: deps.log,
  });
  return { pollAccount, collected: queue.snapshots, unreadable };
}

/**
 * The events a set of backfill snapshots implies, oldest first, each unique id once: an order's status event since
 * its latest modification, `Order Shipped` (or `Return Label Created`) per live label and fulfilment, nothing for a voided
 * one (its `Order Shipped` would be suppressed). An upper bound: the stage skips what its ledger says was already sent.
 */
export function impliedEvents(snapshots: readonly Snapshot[], context: MappingContext): KlaviyoEvent[] {
  const latestOrders = new Map<number, OrderSnapshot>();
  for (const s of snapshots) {
    if (s.kind !== 'order') continue;
    const seen = latestOrders.get(s.orderId);
    if (seen === undefined || seen.modifiedAt <= s.modifiedAt) latestOrders.set(s.orderId, s);
  }
  const events = new Map<string, KlaviyoEvent>();
  const add = (event: KlaviyoEvent | undefined): void => {
    if (event !== undefined && !events.has(event.uniqueId)) events.set(event.uniqueId, event);
  };
  // An order read twice (a list restarted while paging) is one order in its latest state.
  for (const order of latestOrders.values()) add(orderStatusEvent(order, order.modifiedAt, context));
  for (const s of snapshots) {
    if (s.kind === 'order' || s.voided) continue;
    const order = latestOrders.get(s.orderId);
    const facts = order === undefined ? emailOnlyFacts(s.customerEmail) : orderFactsOf(order);
    if (s.kind === 'shipment') add(shipmentShippedEvent(s, facts, context));
    else add(fulfillmentShippedEvent(s, facts, context));
  }
  return [...events.values()].sort((a, b) => a.time.localeCompare(b.time) || a.uniqueId.localeCompare(b.uniqueId));
}
