// In-memory fakes of the ports in lib/ports.ts for unit tests of the use cases: no network, no DynamoDB, no timers.
// The ledger and the order state store mirror the conditional writes of their DynamoDB adapters exactly, so a test that
// passes here says something about production; every fake keeps what it was asked to do for the test to inspect.
import { BadInputError, KlaviyoRejectedError, LeaseLostError, TransientError } from '../../lib/domain/errors.js';
import { RETIRED_KEY_GRACE_MS } from '../../lib/domain/key-expiry.js';
import { bulkRequestProblem, KLAVIYO_BULK_LIMITS, type BulkLimits } from '../../lib/domain/klaviyo-bulk.js';
import { createEventBody, type KlaviyoEvent } from '../../lib/domain/klaviyo-event.js';
import { validateKlaviyoBody } from '../../lib/local/klaviyo-schema.js';
import type { OrderState } from '../../lib/domain/order-state.js';
import type { RecordedEventStatus } from '../../lib/domain/reconcile.js';
import { upgradeLegacySnapshot, type NotificationMessage, type OrderSnapshot, type Snapshot, type UpdateMessage } from '../../lib/domain/snapshot.js';
import { knownServiceName } from '../../lib/domain/carriers.js';
import type { ResolveServiceName } from '../../lib/use-cases/resolve-service-name.js';
import { dueCheckKey, type DueCheck, type ShipmentRecord } from '../../lib/domain/shipment-tracking.js';
import { normaliseTrackingNumber, type TrackingUpdate } from '../../lib/domain/tracking.js';
import type {
  Account,
  AccountDirectory,
  CarrierService,
  CarrierServiceCache,
  OrderLookup,
  ShipStationServiceCatalog,
  DueCheckStore,
  ShipmentRecordStore,
  TrackingActivity,
  Alert,
  AlertLedger,
  Alerts,
  ClaimResult,
  Clock,
  CredentialService,
  CredentialStatus,
  CredentialStatusStore,
  HealthMetrics,
  BulkOutbox,
  HeldEventStore,
  OutboxFlushQueue,
  WaitingEvent,
  KlaviyoCredentialCheck,
  DeadLetter,
  EventLedger,
  FetchedResource,
  KlaviyoApi,
  KlaviyoBulkApi,
  ListedPage,
  ListPageRequest,
  NotificationQueue,
  ObservedRate,
  OrderStateStore,
  PollCursor,
  PollCursorStore,
  PollJob,
  PollJobQueue,
  RateBudget,
  RateGrant,
  ServiceMetrics,
  ShipStationApi,
  ShipStationCredentialCheck,
  ShipStationLister,
  ShipStationV2Reader,
  V2ListResource,
  ShipStationV2Webhooks,
  ShipStationWebhooks,
  SuppressResult,
  V2WebhookSubscription,
  UpdateQueue,
  WebhookReceiver,
  WebhookRefusal,
  WebhookSubscription,
} from '../../lib/ports.js';

type Hook<T> = (value: T) => void | Promise<void>;

/** Failures a Klaviyo fake is told to answer its next calls with (one call or one bulk request each). */
abstract class ScriptedKlaviyoFailures {
  protected readonly failures: (() => Error)[] = [];

  /** The next `times` calls are refused for good (a bulk request as a whole). */
  rejectNext(status: number, reason: string, times = 1): this {
    for (let i = 0; i < times; i += 1) this.failures.push(() => new KlaviyoRejectedError(status, reason));
    return this;
  }

  /** The next `times` calls fail in a way worth retrying (5xx, timeout, 429). */
  failTransientlyNext(times = 1, message = 'Klaviyo answered 503'): this {
    for (let i = 0; i < times; i += 1) this.failures.push(() => new TransientError(message));
    return this;
  }
}

/** A clock that only moves when told to: `sleep` advances it at once and records how long was asked for. */
export class FakeClock implements Clock {
  private current: number;
  readonly sleeps: number[] = [];
  /** Runs after each sleep has advanced the clock: a test can let another worker act "meanwhile". */
  onSleep: Hook<number> | undefined;

  constructor(start: Date | string = '2026-07-05T18:00:00.000Z') {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  set(at: Date | string): void {
    this.current = new Date(at).getTime();
  }

  advance(ms: number): void {
    this.current += ms;
  }

  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.current += ms;
    await this.onSleep?.(ms);
  }
}

/** An account with its webhook token, as the directory holds it. */
export interface AccountWithToken extends Account {
  webhookToken: string;
}

/** The account every fake defaults to: id `default`, ShipStation's production origin, no metric prefix. */
export function fakeAccount(overrides: Partial<AccountWithToken> = {}): AccountWithToken {
  return {
    id: 'default',
    shipStationBaseUrl: 'https://ssapi.shipstation.com',
    shipStationV2BaseUrl: 'https://api.shipstation.com',
    shipStationFingerprint: 'ss-fingerprint-1',
    klaviyoFingerprint: 'kl-fingerprint-1',
    shipStationKeyExpiresOn: '2027-06-30',
    metricPrefix: '',
    webhookToken: 'a-webhook-token-of-32-characters',
    timeZone: 'America/Los_Angeles',
    defaultCountry: 'US',
    ...overrides,
  };
}

/** A fixed list of accounts; tokens compared plainly (timing is the real adapter's concern, not the use case's). */
export class StaticAccountDirectory implements AccountDirectory {
  private readonly accounts: Map<string, AccountWithToken>;

  constructor(accounts: AccountWithToken[] = [fakeAccount()]) {
    this.accounts = new Map(accounts.map((a) => [a.id, a]));
  }

  /** Changes an account's configuration, as a re-read accounts document would (a rotated key); keeps the list order. */
  update(accountId: string, changes: Partial<Omit<AccountWithToken, 'id'>>): void {
    const found = this.accounts.get(accountId);
    if (found === undefined) throw new BadInputError(`unknown account ${accountId}`);
    this.accounts.set(accountId, { ...found, ...changes });
  }

  find(accountId: string): Account | undefined {
    const found = this.accounts.get(accountId);
    if (found === undefined) return undefined;
    return {
      id: found.id,
      shipStationBaseUrl: found.shipStationBaseUrl,
      shipStationV2BaseUrl: found.shipStationV2BaseUrl,
      shipStationFingerprint: found.shipStationFingerprint,
      klaviyoFingerprint: found.klaviyoFingerprint,
      shipStationKeyExpiresOn: found.shipStationKeyExpiresOn,
      metricPrefix: found.metricPrefix,
      storeIds: found.storeIds,
      importDays: found.importDays,
      ...(found.shipStationV2Fingerprint === undefined ? {} : { shipStationV2Fingerprint: found.shipStationV2Fingerprint }),
      timeZone: found.timeZone,
      defaultCountry: found.defaultCountry,
    };
  }

  verifyWebhookToken(accountId: string, presented: string): boolean {
    const found = this.accounts.get(accountId);
    return found !== undefined && found.webhookToken === presented;
  }

  list(): Account[] {
    return [...this.accounts.keys()].map((id) => this.find(id)).filter((a): a is Account => a !== undefined);
  }

  webhookTargetUrl(accountId: string, baseUrl: string): string {
    const found = this.accounts.get(accountId);
    if (found === undefined) throw new BadInputError(`unknown account ${accountId}`);
    return `${baseUrl.replace(/\/+$/, '')}/webhooks/shipstation/${encodeURIComponent(found.id)}?token=${encodeURIComponent(found.webhookToken)}`;
  }

  trackingTargetUrl(accountId: string, baseUrl: string): string {
    const found = this.accounts.get(accountId);
    if (found === undefined) throw new BadInputError(`unknown account ${accountId}`);
    return `${baseUrl.replace(/\/+$/, '')}/webhooks/tracking/${encodeURIComponent(found.id)}?token=${encodeURIComponent(found.webhookToken)}`;
  }
}

export type LedgerStatus = 'PENDING' | 'SENT' | 'SUPPRESSED' | 'DEAD';

/** One ledger entry, with the attributes the DynamoDB adapter keeps. */
export interface LedgerRecord {
  status: LedgerStatus;
  claimId?: string;
  /** Epoch milliseconds; a claim is taken over only when this is strictly before `now`. */
  leaseUntil?: number;
  sentAt?: string;
  /** The metric of a SENT entry (what the adapter's sent-by-hour index projects). */
  metric?: string;
  reason?: string;
}

/**
 * The EventLedger of dynamodb-event-ledger.ts in memory. claim: written when absent or PENDING with an expired lease
 * (a new claimId), otherwise the current status is reported (an entry that vanished counts as in-flight); markSent,
 * release and a final deadLetter act only on a PENDING entry with the caller's claimId; suppress only when absent.
 */
export class InMemoryEventLedger implements EventLedger {
  /** Ledger entries by {@link InMemoryEventLedger.key}. */
  readonly records = new Map<string, LedgerRecord>();
  /** Dead-letter records by {@link InMemoryEventLedger.key}; a later one for the same event replaces the earlier. */
  readonly deadLetters = new Map<string, DeadLetter>();
  readonly leaseMs: number;
  private claims = 0;

  constructor(options: { leaseMs?: number } = {}) {
    this.leaseMs = options.leaseMs ?? 120_000;
  }

  static key(accountId: string, uniqueId: string): string {
    return `${accountId}|${uniqueId}`;
  }

  /** The entry of one event, if any (a copy). */
  entry(accountId: string, uniqueId: string): LedgerRecord | undefined {
    const record = this.records.get(InMemoryEventLedger.key(accountId, uniqueId));
    return record === undefined ? undefined : { ...record };
  }

  /** Puts an entry in place, as if an earlier worker had written it. */
  seed(accountId: string, uniqueId: string, record: LedgerRecord): void {
    this.records.set(InMemoryEventLedger.key(accountId, uniqueId), { ...record });
  }

  deadLetterOf(accountId: string, uniqueId: string): DeadLetter | undefined {
    return this.deadLetters.get(InMemoryEventLedger.key(accountId, uniqueId));
  }

  /** Entries still claimed by someone. */
  pending(): LedgerRecord[] {
    return [...this.records.values()].filter((r) => r.status === 'PENDING');
  }

  async claim(accountId: string, uniqueId: string, now: Date): Promise<ClaimResult> {
    const key = InMemoryEventLedger.key(accountId, uniqueId);
    const record = this.records.get(key);
    const takeable = record === undefined || (record.status === 'PENDING' && (record.leaseUntil ?? 0) < now.getTime());
    if (!takeable) return { status: this.current(record) };
    this.claims += 1;
    const claimId = `claim-${this.claims}`;
    this.records.set(key, { status: 'PENDING', claimId, leaseUntil: now.getTime() + this.leaseMs });
    return { status: 'claimed', claimId };
  }

  async markSent(accountId: string, uniqueId: string, claimId: string, metric: string, now: Date): Promise<void> {
    this.updateOwned(accountId, uniqueId, claimId, { status: 'SENT', sentAt: now.toISOString(), metric });
  }

  /** As the adapter: SENT entries with a metric, from `since` on, in the UTC hours from `since`'s to `now`'s. */
  async sentSince(accountId: string, since: Date, now: Date): Promise<Record<string, number>> {
    const lastHour = now.toISOString().slice(0, 13);
    const counts: Record<string, number> = {};
    for (const [key, record] of this.records) {
      if (!key.startsWith(`${accountId}|`) || record.status !== 'SENT' || record.metric === undefined || record.sentAt === undefined) continue;
      if (record.sentAt < since.toISOString() || record.sentAt.slice(0, 13) > lastHour) continue;
      counts[record.metric] = (counts[record.metric] ?? 0) + 1;
    }
    return counts;
  }

  async release(accountId: string, uniqueId: string, claimId: string): Promise<void> {
    const key = InMemoryEventLedger.key(accountId, uniqueId);
    if (this.owns(this.records.get(key), claimId)) this.records.delete(key);
  }

  async countDeadLetters(accountId: string): Promise<number> {
    return [...this.deadLetters.values()].filter((record) => record.accountId === accountId).length;
  }

  async reopen(accountId: string, uniqueId: string): Promise<boolean> {
    const key = InMemoryEventLedger.key(accountId, uniqueId);
    if (this.records.get(key)?.status !== 'DEAD') return false;
    this.records.delete(key);
    return true;
  }

  async deadLetter(record: DeadLetter, claimId?: string): Promise<void> {
    // As the adapter: the reason is kept to its first 2,000 characters, in the record and on the entry.
    const reason = record.reason.slice(0, 2000);
    this.deadLetters.set(InMemoryEventLedger.key(record.accountId, record.uniqueId), { ...structuredClone(record), reason });
    if (claimId === undefined) return;
    this.updateOwned(record.accountId, record.uniqueId, claimId, { status: 'DEAD', reason });
  }

  async status(accountId: string, uniqueId: string, now: Date): Promise<RecordedEventStatus> {
    const record = this.records.get(InMemoryEventLedger.key(accountId, uniqueId));
    switch (record?.status) {
      case 'SENT':
        return 'sent';
      case 'SUPPRESSED':
        return 'suppressed';
      case 'DEAD':
        return 'dead-lettered';
      case 'PENDING':
        return (record.leaseUntil ?? 0) < now.getTime() ? 'abandoned' : 'in-flight';
      default:
        return this.deadLetters.has(InMemoryEventLedger.key(accountId, uniqueId)) ? 'dead-lettered' : 'none';
    }
  }

  async suppress(accountId: string, uniqueId: string, reason: string, _now: Date): Promise<SuppressResult> {
    const key = InMemoryEventLedger.key(accountId, uniqueId);
    const record = this.records.get(key);
    if (record !== undefined && record.status !== 'DEAD') return this.current(record);
    this.records.set(key, { status: 'SUPPRESSED', reason });
    return 'suppressed-now';
  }

  private owns(record: LedgerRecord | undefined, claimId: string): record is LedgerRecord {
    return record?.status === 'PENDING' && record.claimId === claimId;
  }

  /** Like the adapter's update: the lease and the claimId go, the new attributes come. */
  private updateOwned(accountId: string, uniqueId: string, claimId: string, next: LedgerRecord): void {
    const key = InMemoryEventLedger.key(accountId, uniqueId);
    const record = this.records.get(key);
    if (!this.owns(record, claimId)) return;
    const updated: LedgerRecord = { ...record, ...next };
    delete updated.claimId;
    delete updated.leaseUntil;
    this.records.set(key, updated);
  }

  private current(record: LedgerRecord | undefined): 'already-sent' | 'suppressed' | 'dead-lettered' | 'in-flight' {
    switch (record?.status) {
      case 'SENT':
        return 'already-sent';
      case 'SUPPRESSED':
        return 'suppressed';
      case 'DEAD':
        return 'dead-lettered';
      default:
        return 'in-flight';
    }
  }
}

/**
 * The OrderStateStore of dynamodb-order-state-store.ts in memory: version 0 means "must not exist", any other version
 * must equal the stored one; the stored state gets version + 1.
 */
export class InMemoryOrderStateStore implements OrderStateStore {
  readonly states = new Map<string, OrderState>();
  /** Every put asked for, in order, whether it won or not. */
  readonly puts: { state: OrderState; written: boolean }[] = [];
  /** Runs before the version check of each put: a concurrent writer may change the stored state here. */
  beforePut: Hook<OrderState> | undefined;

  static key(accountId: string, orderId: number): string {
    return `${accountId}|${orderId}`;
  }

  /** Stores a state as is (its version included), bypassing the version check. */
  seed(state: OrderState): void {
    this.states.set(InMemoryOrderStateStore.key(state.accountId, state.orderId), structuredClone(state));
  }

  /** Another writer's successful put: the stored version goes up by one. */
  bump(accountId: string, orderId: number, changes: Partial<OrderState> = {}): void {
    const key = InMemoryOrderStateStore.key(accountId, orderId);
    const stored = this.states.get(key);
    const base = stored ?? { accountId, orderId, version: 0 };
    this.states.set(key, { ...base, ...changes, version: base.version + 1 });
  }

  async get(accountId: string, orderId: number): Promise<OrderState | undefined> {
    const stored = this.states.get(InMemoryOrderStateStore.key(accountId, orderId));
    // Deep copies, as the adapter's round trip gives: a caller changing a state's buyer or items changes nothing stored.
    return stored === undefined ? undefined : structuredClone(stored);
  }

  async put(state: OrderState): Promise<boolean> {
    await this.beforePut?.({ ...state });
    const key = InMemoryOrderStateStore.key(state.accountId, state.orderId);
    const stored = this.states.get(key);
    const written = state.version === 0 ? stored === undefined : stored?.version === state.version;
    this.puts.push({ state: structuredClone(state), written });
    if (written) this.states.set(key, { ...structuredClone(state), version: state.version + 1 });
    return written;
  }
}

/**
 * Klaviyo's Create Event: accepted events are kept; failures are scripted for the next calls (credential checks
 * included: a check is one call).
 */
export class FakeKlaviyoApi extends ScriptedKlaviyoFailures implements KlaviyoApi, KlaviyoCredentialCheck {
  /** Events Klaviyo accepted (202), in order. */
  readonly events: KlaviyoEvent[] = [];
  /** Credential checks made. */
  checks = 0;

  async checkCredentials(): Promise<void> {
    this.checks += 1;
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure();
  }

  /** Every event we were asked to send, accepted or not. */
  readonly attempts: KlaviyoEvent[] = [];
  /** Runs at the start of each send, before the scripted outcome: a test may act while a request is "in the air". */
  onSend: Hook<KlaviyoEvent> | undefined;

  async createEvent(event: KlaviyoEvent): Promise<void> {
    this.attempts.push(structuredClone(event));
    // Every body a unit test makes us send is held to Klaviyo's official Create Event schema, as the HTTP fakes do.
    const problems = validateKlaviyoBody('create-event', createEventBody(event));
    if (problems.length > 0) throw new Error(`Create Event body refused by Klaviyo's schema: ${problems.join('; ')}`);
    await this.onSend?.(event);
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure();
    this.events.push(structuredClone(event));
  }
}

/**
 * Klaviyo's Bulk Create Events: accepted requests are kept; failures are scripted for the next calls. A call Klaviyo
 * would refuse as a whole (over the limits, a unique_id twice) throws BadInputError, as HttpKlaviyoApi does before
 * sending, so a use case that plans its requests wrongly fails its tests.
 */
export class FakeKlaviyoBulkApi extends ScriptedKlaviyoFailures implements KlaviyoBulkApi {
  /** Requests Klaviyo accepted (202), in order. */
  readonly requests: { accountId: string; events: KlaviyoEvent[] }[] = [];
  /** Every call, accepted or not (empty ones too, though they send nothing). */
  readonly attempts: { accountId: string; events: KlaviyoEvent[] }[] = [];
  /** Runs at the start of each non-empty call, before the scripted outcome. */
  onSend: Hook<KlaviyoEvent[]> | undefined;
  constructor(private readonly limits: BulkLimits = KLAVIYO_BULK_LIMITS) {
    super();
  }

  /** Every event of the accepted requests, in order. */
  get events(): KlaviyoEvent[] {
    return this.requests.flatMap((r) => r.events);
  }

  async createEvents(accountId: string, events: KlaviyoEvent[]): Promise<void> {
    this.attempts.push({ accountId, events: structuredClone(events) });
    if (events.length === 0) return;
    const problem = bulkRequestProblem(events, this.limits);
    if (problem !== undefined) throw new BadInputError(problem);
    await this.onSend?.(events);
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure();
    this.requests.push({ accountId, events: structuredClone(events) });
  }
}

/**
 * ShipStation's resource reads, list pages and webhook subscriptions: answers with what the test set, or a scripted
 * error for the next calls (of any kind).
 */
export class FakeShipStationApi implements ShipStationApi, ShipStationLister, ShipStationWebhooks, ShipStationCredentialCheck {
  readonly calls: { accountId: string; url: string }[] = [];
  /** Credential checks (GET /stores) made, by account. */
  readonly checks: string[] = [];
  /** Every listPage call, in order. */
  readonly listCalls: { accountId: string; request: ListPageRequest }[] = [];
  /** Subscriptions by account id; subscribeWebhook adds to them. */
  readonly webhooks = new Map<string, WebhookSubscription[]>();
  private response: FetchedResource = { snapshots: [], unreadable: [], requests: 1 };
  private listResponder: (accountId: string, request: ListPageRequest) => Partial<ListedPage> = () => ({});
  private readonly failures: Error[] = [];
  private webhookIds = 0;

  /** How listPage answers; unset parts default to an empty last page (the page asked for, or 1). */
  listWith(respond: (accountId: string, request: ListPageRequest) => Partial<ListedPage>): this {
    this.listResponder = respond;
    return this;
  }

  async listPage(accountId: string, request: ListPageRequest): Promise<ListedPage> {
    this.listCalls.push({ accountId, request: structuredClone(request) });
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure;
    const page = Number(request.query.page ?? '1');
    return structuredClone({ snapshots: [], unreadable: [], rows: 0, page, pages: page, total: 0, requests: 1, ...this.listResponder(accountId, request) });
  }

  async listWebhooks(accountId: string): Promise<WebhookSubscription[]> {
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure;
    return structuredClone(this.webhooks.get(accountId) ?? []);
  }

  async subscribeWebhook(accountId: string, subscription: { event: string; targetUrl: string; storeId?: number; friendlyName: string }): Promise<string> {
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure;
    this.webhookIds += 1;
    const id = String(this.webhookIds);
    const { event, targetUrl, storeId } = subscription;
    this.webhooks.set(accountId, [...(this.webhooks.get(accountId) ?? []), { id, event, targetUrl, ...(storeId === undefined ? {} : { storeId }) }]);
    return id;
  }

  async checkCredentials(accountId: string): Promise<{ stores: { storeId: number; storeName: string }[] }> {
    this.checks.push(accountId);
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure;
    return { stores: [{ storeId: 1, storeName: 'Main store' }] };
  }

  respondWith(response: Partial<FetchedResource>): this {
    this.response = { snapshots: [], unreadable: [], requests: 1, ...response };
    return this;
  }

  failNext(error: Error, times = 1): this {
    for (let i = 0; i < times; i += 1) this.failures.push(error);
    return this;
  }

  async fetchResource(accountId: string, url: URL): Promise<FetchedResource> {
    this.calls.push({ accountId, url: url.toString() });
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure;
    return structuredClone(this.response);
  }
}

/** ShipStation V2 as the use cases read it: canned list pages and orders, every call recorded. */
export class FakeShipStationV2 implements ShipStationV2Reader {
  readonly listCalls: { accountId: string; resource: V2ListResource; query: Record<string, string> }[] = [];
  readonly fetchCalls: { accountId: string; url: string; resourceType: string }[] = [];
  readonly checks: string[] = [];
  readonly orders = new Map<number, OrderSnapshot>();
  private response: FetchedResource = { snapshots: [], unreadable: [], requests: 1 };
  private listResponder: (request: { resource: V2ListResource; query: Record<string, string> }) => Partial<ListedPage> = () => ({});
  private readonly failures: Error[] = [];

  listWith(respond: (request: { resource: V2ListResource; query: Record<string, string> }) => Partial<ListedPage>): this {
    this.listResponder = respond;
    return this;
  }

  respondWith(response: Partial<FetchedResource>): this {
    this.response = { snapshots: [], unreadable: [], requests: 1, ...response };
    return this;
  }

  failNext(error: Error, times = 1): this {
    for (let i = 0; i < times; i += 1) this.failures.push(error);
    return this;
  }

  async fetchV2Resource(accountId: string, url: URL, resourceType: string): Promise<FetchedResource> {
    this.fetchCalls.push({ accountId, url: url.toString(), resourceType });
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure;
    return structuredClone(this.response);
  }

  async listV2Page(accountId: string, request: { resource: V2ListResource; query: Record<string, string> }): Promise<ListedPage> {
    this.listCalls.push({ accountId, ...structuredClone(request) });
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure;
    const page = Number(request.query.page ?? '1');
    return structuredClone({ snapshots: [], unreadable: [], rows: 0, page, pages: page, total: 0, requests: 1, ...this.listResponder(request) });
  }

  async fetchV2Order(_accountId: string, orderId: number): Promise<OrderSnapshot | undefined> {
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure;
    const order = this.orders.get(orderId);
    return order === undefined ? undefined : structuredClone(order);
  }

  async checkV2Credentials(accountId: string): Promise<void> {
    this.checks.push(accountId);
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure;
  }
}

export class InMemoryUpdateQueue implements UpdateQueue {
  readonly snapshots: Snapshot[] = [];
  /** Tracking updates put back to wait for their label, with the delay asked for. */
  readonly tracking: { message: TrackingUpdate; delaySeconds?: number }[] = [];

  async enqueueAll(messages: UpdateMessage[], delaySeconds?: number): Promise<void> {
    for (const message of structuredClone(messages)) {
      if (message.kind === 'tracking') this.tracking.push({ message, ...(delaySeconds === undefined ? {} : { delaySeconds }) });
      else this.snapshots.push(message);
    }
  }
}

export class InMemoryNotificationQueue implements NotificationQueue {
  readonly messages: NotificationMessage[] = [];

  async enqueue(message: NotificationMessage): Promise<void> {
    this.messages.push(structuredClone(message));
  }
}

/** One credential status per account and service, with the conditional transitions of the DynamoDB store. */
export class InMemoryCredentialStatusStore implements CredentialStatusStore {
  readonly statuses = new Map<string, CredentialStatus>();
  /** The key each pause ended with replaced, whose refusals are ignored for RETIRED_KEY_GRACE_MS. */
  private readonly retired = new Map<string, string>();
  /** Every markInvalid call and what it returned. */
  readonly reports: { accountId: string; service: CredentialService; fingerprint: string; reason: string; first: boolean }[] = [];

  constructor(private readonly now: () => Date = () => new Date(0)) {}

  static key(accountId: string, service: CredentialService): string {
    return `${accountId}|${service}`;
  }

  async status(accountId: string, service: CredentialService): Promise<CredentialStatus | undefined> {
    const status = this.statuses.get(InMemoryCredentialStatusStore.key(accountId, service));
    return status === undefined ? undefined : structuredClone(status);
  }

  async markInvalid(accountId: string, service: CredentialService, fingerprint: string, reason: string): Promise<boolean> {
    const key = InMemoryCredentialStatusStore.key(accountId, service);
    const current = this.statuses.get(key);
    const retiredRecently =
      current?.state === 'valid' && this.retired.get(key) === fingerprint && Date.parse(current.since) > this.now().getTime() - RETIRED_KEY_GRACE_MS;
    const first = (current?.state !== 'invalid' || current.fingerprint !== fingerprint) && !retiredRecently;
    // As the adapter: the reason is kept to its first 500 characters (an HTTP error body can be long).
    if (first) this.statuses.set(key, { state: 'invalid', fingerprint, reason: reason.slice(0, 500), since: this.now().toISOString() });
    this.reports.push({ accountId, service, fingerprint, reason, first });
    return first;
  }

  async markValid(accountId: string, service: CredentialService, fingerprint: string): Promise<boolean> {
    const key = InMemoryCredentialStatusStore.key(accountId, service);
    const current = this.statuses.get(key);
    if (current?.state !== 'invalid') return false;
    if (current.fingerprint === fingerprint) this.retired.delete(key);
    else this.retired.set(key, current.fingerprint);
    this.statuses.set(key, { state: 'valid', fingerprint, since: this.now().toISOString() });
    return true;
  }

  async markAlerted(accountId: string, service: CredentialService, fingerprint: string): Promise<void> {
    const current = this.statuses.get(InMemoryCredentialStatusStore.key(accountId, service));
    if (current?.state === 'invalid' && current.fingerprint === fingerprint) current.alertedAt = this.now().toISOString();
  }

  async isInvalid(accountId: string, service: CredentialService, fingerprint: string): Promise<boolean> {
    const current = this.statuses.get(InMemoryCredentialStatusStore.key(accountId, service));
    return current?.state === 'invalid' && current.fingerprint === fingerprint;
  }

  async markOutage(accountId: string, service: CredentialService, reason: string): Promise<boolean> {
    const key = InMemoryCredentialStatusStore.key(accountId, service);
    const current = this.statuses.get(key) ?? { state: 'valid', fingerprint: '', since: '' };
    if (current.outage !== undefined) return false;
    this.statuses.set(key, { ...current, outage: { since: this.now().toISOString(), reason: reason.slice(0, 500) } });
    return true;
  }

  async clearOutage(accountId: string, service: CredentialService): Promise<boolean> {
    const current = this.statuses.get(InMemoryCredentialStatusStore.key(accountId, service));
    if (current?.outage === undefined) return false;
    delete current.outage;
    return true;
  }
}

/** Alerts handed over, in order; `failNext` makes the next sends throw (an SNS outage). */
export class RecordingAlerts implements Alerts {
  readonly sent: Alert[] = [];
  private failures = 0;

  failNext(times = 1): this {
    this.failures += times;
    return this;
  }

  async send(alert: Alert): Promise<void> {
    if (this.failures > 0) {
      this.failures -= 1;
      throw new Error('SNS is unavailable');
    }
    this.sent.push(structuredClone(alert));
  }
}

/** Claimed alerts by account and id, first claim wins, like the conditional put; an unconfirmed claim's lease runs out. */
export class InMemoryAlertLedger implements AlertLedger {
  readonly claims = new Map<string, { status: 'PENDING' | 'SENT'; leaseUntil: number }>();

  constructor(private readonly leaseMs = 20 * 60_000) {}

  /** Ids of the alerts claimed and not given back, `account|alertId`. */
  get claimed(): Set<string> {
    return new Set(this.claims.keys());
  }

  async claim(accountId: string, alertId: string, now: Date): Promise<boolean> {
    const key = `${accountId}|${alertId}`;
    const current = this.claims.get(key);
    if (current !== undefined && (current.status === 'SENT' || current.leaseUntil >= now.getTime())) return false;
    this.claims.set(key, { status: 'PENDING', leaseUntil: now.getTime() + this.leaseMs });
    return true;
  }

  async confirm(accountId: string, alertId: string): Promise<void> {
    const key = `${accountId}|${alertId}`;
    this.claims.set(key, { status: 'SENT', leaseUntil: 0 });
  }

  async release(accountId: string, alertId: string): Promise<void> {
    this.claims.delete(`${accountId}|${alertId}`);
  }
}

/**
 * DynamoDB's order of string sort keys: by their UTF-8 bytes, not by locale (`shipment:1234:…` sorts before
 * `shipment:123:…`, since `4` < `:`).
 */
const byKeyBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** Held events by account, in unique_id order (the DynamoDB sort key's byte order, `after` compared the same way). */
export class InMemoryHeldEventStore implements HeldEventStore {
  readonly events = new Map<string, KlaviyoEvent>();

  private static key(accountId: string, uniqueId: string): string {
    return `${accountId}|${uniqueId}`;
  }

  async hold(events: KlaviyoEvent[]): Promise<void> {
    for (const event of events) this.events.set(InMemoryHeldEventStore.key(event.accountId, event.uniqueId), structuredClone(event));
  }

  async list(accountId: string, limit: number, after?: string): Promise<{ events: KlaviyoEvent[]; next?: string }> {
    const all = [...this.events.values()]
      .filter((e) => e.accountId === accountId && (after === undefined || byKeyBytes(e.uniqueId, after) > 0))
      .sort((a, b) => byKeyBytes(a.uniqueId, b.uniqueId));
    const events = structuredClone(all.slice(0, limit));
    return all.length > limit ? { events, next: events.at(-1)?.uniqueId as string } : { events };
  }

  async remove(accountId: string, uniqueIds: string[]): Promise<void> {
    for (const uniqueId of uniqueIds) this.events.delete(InMemoryHeldEventStore.key(accountId, uniqueId));
  }

  async count(accountId: string): Promise<number> {
    return [...this.events.values()].filter((e) => e.accountId === accountId).length;
  }
}

/** The bulk outbox in memory: one copy per account and unique_id, listed in DynamoDB's key order, first `since` kept. */
export class InMemoryBulkOutbox implements BulkOutbox {
  readonly entries = new Map<string, WaitingEvent>();

  private static key(accountId: string, uniqueId: string): string {
    return `${accountId}|${uniqueId}`;
  }

  async put(events: KlaviyoEvent[], now: Date): Promise<void> {
    for (const event of events) {
      const key = InMemoryBulkOutbox.key(event.accountId, event.uniqueId);
      if (!this.entries.has(key)) this.entries.set(key, { event: structuredClone(event), since: now.toISOString() });
    }
  }

  async list(accountId: string, limit: number, after?: string): Promise<{ entries: WaitingEvent[]; next?: string }> {
    const all = [...this.entries.values()]
      .filter((e) => e.event.accountId === accountId && (after === undefined || byKeyBytes(e.event.uniqueId, after) > 0))
      .sort((a, b) => byKeyBytes(a.event.uniqueId, b.event.uniqueId));
    const entries = structuredClone(all.slice(0, limit));
    return all.length > limit ? { entries, next: entries.at(-1)?.event.uniqueId as string } : { entries };
  }

  async remove(accountId: string, uniqueIds: string[]): Promise<void> {
    for (const uniqueId of uniqueIds) this.entries.delete(InMemoryBulkOutbox.key(accountId, uniqueId));
  }

  async count(accountId: string): Promise<number> {
    return [...this.entries.values()].filter((e) => e.event.accountId === accountId).length;
  }
}

/** Flush messages asked for, in order, as the history queue would carry them. */
export class InMemoryOutboxFlushQueue implements OutboxFlushQueue {
  readonly requests: { accountId: string; before: string; delaySeconds: number }[] = [];

  async flushOutboxLater(accountId: string, before: Date, delaySeconds: number): Promise<void> {
    this.requests.push({ accountId, before: before.toISOString(), delaySeconds });
  }
}

/** Every service metric recorded, as `name` → total (EventsSent also as `EventsSent:<metric>`, lags by account). */
export class RecordingServiceMetrics implements ServiceMetrics {
  readonly totals = new Map<string, number>();
  readonly lags = new Map<string, number>();
  flushes = 0;

  private add(name: string, count: number): void {
    this.totals.set(name, (this.totals.get(name) ?? 0) + count);
  }

  eventsSent(metric: string, count: number): void {
    this.add('EventsSent', count);
    this.add(`EventsSent:${metric}`, count);
  }

  eventsDeduplicated(count: number): void {
    this.add('EventsDeduplicated', count);
  }

  staleSuppressed(count: number): void {
    this.add('EventsStaleSuppressed', count);
  }

  unknownStatus(count: number): void {
    this.add('UnknownShipStationStatus', count);
  }

  eventsHeld(count: number): void {
    this.add('EventsHeld', count);
  }

  /** The last held backlog reported. */
  heldBacklog: number | undefined;

  heldEvents(count: number): void {
    this.heldBacklog = count;
  }

  klaviyoRejected(count: number): void {
    this.add('KlaviyoRejected', count);
  }

  deadLettered(count: number): void {
    this.add('DeadLettered', count);
  }

  shipStationThrottled(count: number): void {
    this.add('ShipStationThrottled', count);
  }

  pollLag(accountId: string, seconds: number): void {
    this.lags.set(accountId, seconds);
  }

  webhookRefused(receiver: WebhookReceiver, reason: WebhookRefusal): void {
    this.add(`WebhooksRefused:${receiver}:${reason}`, 1);
  }

  webhookFailed(receiver: WebhookReceiver): void {
    this.add(`WebhooksFailed:${receiver}`, 1);
  }

  trackingKeysUnavailable(): void {
    this.add('TrackingKeysUnavailable', 1);
  }

  flush(): void {
    this.flushes += 1;
  }
}

/** Metric values recorded, in order. */
export class RecordingHealthMetrics implements HealthMetrics {
  readonly daysUntilExpiry: { accountId: string; days: number }[] = [];

  daysUntilKeyExpiry(accountId: string, days: number): void {
    this.daysUntilExpiry.push({ accountId, days });
  }
}

export type LogLevel = 'info' | 'warn' | 'error';

export interface LogEntry {
  level: LogLevel;
  message: string;
  data: Record<string, unknown>;
}

/** A silent logger that keeps what it was told. */
export class RecordingLogger {
  readonly entries: LogEntry[] = [];

  info(message: string, data: Record<string, unknown> = {}): void {
    this.entries.push({ level: 'info', message, data });
  }

  warn(message: string, data: Record<string, unknown> = {}): void {
    this.entries.push({ level: 'warn', message, data });
  }

  error(message: string, data: Record<string, unknown> = {}): void {
    this.entries.push({ level: 'error', message, data });
  }

  /** Messages logged at one level, in order. */
  messages(level: LogLevel): string[] {
    return this.entries.filter((e) => e.level === level).map((e) => e.message);
  }
}

/**
 * The RateBudget of dynamodb-rate-budget.ts in memory, with the same decisions: the first take after a window ended
 * opens a 60 s one, at most min(requestsPerMinute, ShipStation's last limit) are granted in it, and reconcile adopts
 * ShipStation's count and window only when no window is running, when ShipStation counted more (unless its window is
 * the previous one reported late) or when it counted as many in a window that ends later.
 */
export class InMemoryRateBudget implements RateBudget {
  /** The state per key fingerprint, as the DynamoDB item holds it. */
  readonly budgets = new Map<string, { used: number; windowEnd?: number; serverLimit?: number }>();
  /** Every take and what it answered. */
  readonly takes: { keyFingerprint: string; at: string; grant: RateGrant }[] = [];
  /** Every observation reconciled. */
  readonly observations: { keyFingerprint: string; observed: ObservedRate; at: string }[] = [];
  readonly requestsPerMinute: number;

  constructor(options: { requestsPerMinute?: number } = {}) {
    this.requestsPerMinute = options.requestsPerMinute ?? 40;
  }

  async take(keyFingerprint: string, now: Date): Promise<RateGrant> {
    const at = now.getTime();
    const state = this.budgets.get(keyFingerprint);
    let grant: RateGrant;
    if (state?.windowEnd === undefined || state.windowEnd <= at) {
      this.budgets.set(keyFingerprint, { ...state, used: 1, windowEnd: at + 60_000 });
      grant = { granted: true };
    } else if (state.used < Math.min(this.requestsPerMinute, state.serverLimit ?? Number.POSITIVE_INFINITY)) {
      state.used += 1;
      grant = { granted: true };
    } else {
      grant = { granted: false, waitMs: state.windowEnd - at };
    }
    this.takes.push({ keyFingerprint, at: now.toISOString(), grant });
    return grant;
  }

  async reconcile(keyFingerprint: string, observed: ObservedRate, now: Date): Promise<void> {
    this.observations.push({ keyFingerprint, observed: { ...observed }, at: now.toISOString() });
    const at = now.getTime();
    const serverUsed = Math.max(0, (observed.limit ?? this.requestsPerMinute) - observed.remaining);
    // As the DynamoDB budget: ShipStation's window never ends more than one window (60 s) from now.
    const serverEnd = at + Math.min(60_000, Math.max(0, observed.resetSeconds) * 1000);
    const state = this.budgets.get(keyFingerprint) ?? { used: 0 };
    if (observed.limit !== undefined) state.serverLimit = observed.limit;
    const adopt =
      state.windowEnd === undefined ||
      state.windowEnd <= at ||
      (state.used < serverUsed && state.windowEnd < serverEnd + 50_000) ||
      (state.used === serverUsed && state.windowEnd < serverEnd);
    if (adopt) {
      state.used = serverUsed;
      state.windowEnd = serverEnd;
    }
    this.budgets.set(keyFingerprint, state);
  }
}

/** The poll cursor with its lease, as DynamoDbPollCursorStore keeps it (conditional on the lease's owner). */
export class InMemoryPollCursorStore implements PollCursorStore {
  readonly cursors = new Map<string, PollCursor>();
  private readonly leases = new Map<string, { owner: string; until: number }>();

  async get(accountId: string): Promise<PollCursor | undefined> {
    const cursor = this.cursors.get(accountId);
    return cursor === undefined ? undefined : structuredClone(cursor);
  }

  async acquire(accountId: string, owner: string, until: Date, now: Date): Promise<PollCursor | undefined> {
    const lease = this.leases.get(accountId);
    if (lease !== undefined && lease.until > now.getTime() && lease.owner !== owner) return undefined;
    this.leases.set(accountId, { owner, until: until.getTime() });
    // The adapter's lease lives on the cursor's item: once taken, the account has a cursor (with nothing through yet).
    if (!this.cursors.has(accountId)) this.cursors.set(accountId, { accountId });
    return structuredClone(this.cursors.get(accountId) ?? { accountId });
  }

  async save(cursor: PollCursor, owner: string): Promise<void> {
    if (this.leases.get(cursor.accountId)?.owner !== owner) throw new LeaseLostError(cursor.accountId);
    this.cursors.set(cursor.accountId, structuredClone(cursor));
  }

  async release(accountId: string, owner: string): Promise<void> {
    if (this.leases.get(accountId)?.owner === owner) this.leases.delete(accountId);
  }
}

/** Poll jobs as queued, with their delay. */
export class InMemoryPollJobQueue implements PollJobQueue {
  readonly jobs: { job: PollJob; delaySeconds?: number }[] = [];

  async enqueue(jobs: PollJob[], delaySeconds?: number): Promise<void> {
    this.jobs.push(...jobs.map((job) => ({ job: structuredClone(job), delaySeconds })));
  }
}

/** Shipment records and tracking pointers, with the version check of the DynamoDB store. */
export class InMemoryShipmentRecordStore implements ShipmentRecordStore {
  readonly records = new Map<string, ShipmentRecord>();
  readonly pointers = new Map<string, { orderId: number; shipmentKey: string }>();
  /** V1 shipmentId (V2 label id `se-<n>`) → the label. */
  readonly labelPointers = new Map<string, { orderId: number; shipmentKey: string }>();

  private static key(accountId: string, orderId: number, shipmentKey: string): string {
    return `${accountId}|${orderId}|${shipmentKey}`;
  }

  async get(accountId: string, orderId: number, shipmentKey: string): Promise<ShipmentRecord | undefined> {
    const found = this.records.get(InMemoryShipmentRecordStore.key(accountId, orderId, shipmentKey));
    return found === undefined ? undefined : structuredClone(found);
  }

  async listForOrder(accountId: string, orderId: number): Promise<ShipmentRecord[]> {
    return [...this.records.values()].filter((r) => r.accountId === accountId && r.orderId === orderId).map((r) => structuredClone(r));
  }

  async put(record: ShipmentRecord): Promise<boolean> {
    const key = InMemoryShipmentRecordStore.key(record.accountId, record.orderId, record.shipmentKey);
    const stored = this.records.get(key);
    const written = record.version === 0 ? stored === undefined : stored?.version === record.version;
    if (written) this.records.set(key, { ...structuredClone(record), version: record.version + 1 });
    return written;
  }

  async link(accountId: string, target: { orderId: number; shipmentKey: string; trackingNumber?: string | undefined }): Promise<void> {
    const pointer = { orderId: target.orderId, shipmentKey: target.shipmentKey };
    if (target.trackingNumber !== undefined) this.pointers.set(`${accountId}|${normaliseTrackingNumber(target.trackingNumber)}`, pointer);
    const label = /^label:(\d+)$/.exec(target.shipmentKey)?.[1];
    if (label !== undefined) this.labelPointers.set(`${accountId}|${label}`, pointer);
  }

  async findByTracking(accountId: string, trackingNumber: string): Promise<ShipmentRecord | undefined> {
    const pointer = this.pointers.get(`${accountId}|${normaliseTrackingNumber(trackingNumber)}`);
    return pointer === undefined ? undefined : this.get(accountId, pointer.orderId, pointer.shipmentKey);
  }

  async findByLabel(accountId: string, shipmentId: number): Promise<ShipmentRecord | undefined> {
    const pointer = this.labelPointers.get(`${accountId}|${shipmentId}`);
    return pointer === undefined ? undefined : this.get(accountId, pointer.orderId, pointer.shipmentKey);
  }
}

/** Orders ShipStation would answer `GET /orders/{id}` with; every lookup is recorded. */
export class FakeOrderLookup implements OrderLookup {
  readonly orders = new Map<string, OrderSnapshot>();
  readonly lookups: { accountId: string; orderId: number }[] = [];
  private readonly failures: Error[] = [];

  /** What ShipStation holds for the order (by then, usually shipped). */
  add(order: OrderSnapshot): this {
    this.orders.set(`${order.accountId}|${order.orderId}`, structuredClone(order));
    return this;
  }

  failNext(error: Error, times = 1): this {
    for (let i = 0; i < times; i += 1) this.failures.push(error);
    return this;
  }

  async fetchOrder(accountId: string, orderId: number): Promise<OrderSnapshot | undefined> {
    this.lookups.push({ accountId, orderId });
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure;
    const found = this.orders.get(`${accountId}|${orderId}`);
    return found === undefined ? undefined : structuredClone(found);
  }
}

/** Carrier service lists as `GET /carriers/listservices` would answer them; every read is recorded. */
export class FakeServiceCatalog implements ShipStationServiceCatalog {
  readonly reads: { accountId: string; carrierCode: string }[] = [];
  private readonly failures: Error[] = [];

  constructor(readonly services: Record<string, CarrierService[]> = {}) {}

  failNext(error: Error, times = 1): this {
    for (let i = 0; i < times; i += 1) this.failures.push(error);
    return this;
  }

  async listServices(accountId: string, carrierCode: string): Promise<CarrierService[]> {
    this.reads.push({ accountId, carrierCode });
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure;
    return structuredClone(this.services[carrierCode] ?? []);
  }
}

export class InMemoryCarrierServiceCache implements CarrierServiceCache {
  readonly lists = new Map<string, { services: CarrierService[]; fetchedAt: string }>();

  async get(accountId: string, carrierCode: string): Promise<{ services: CarrierService[]; fetchedAt: string } | undefined> {
    const found = this.lists.get(`${accountId}|${carrierCode}`);
    return found === undefined ? undefined : structuredClone(found);
  }

  async put(accountId: string, carrierCode: string, services: CarrierService[], fetchedAt: Date): Promise<void> {
    this.lists.set(`${accountId}|${carrierCode}`, { services: structuredClone(services), fetchedAt: fetchedAt.toISOString() });
  }
}

/** Service names from a fixed table (service code → name), else the common names; for tests of what is built on them. */
export function fixedServiceName(names: Record<string, string> = {}): ResolveServiceName {
  return async (_account, _carrierCode, serviceCode) => (serviceCode === undefined ? undefined : (names[serviceCode] ?? knownServiceName(serviceCode)));
}

/** Due checks in key order, as the DynamoDB store keeps them. */
export class InMemoryDueCheckStore implements DueCheckStore {
  readonly checks = new Map<string, DueCheck>();

  async schedule(check: DueCheck): Promise<void> {
    this.checks.set(`${check.accountId}|${dueCheckKey(check)}`, structuredClone(check));
  }

  async listDue(accountId: string, until: Date, limit: number): Promise<DueCheck[]> {
    return (
      [...this.checks.entries()]
        .filter(([key, check]) => key.startsWith(`${accountId}|`) && Date.parse(check.dueAt) <= until.getTime())
        .sort(([a], [b]) => a.localeCompare(b))
        .slice(0, limit)
        .map(([, check]) => structuredClone(check))
        // As the DynamoDB store does: a check an earlier version wrote is read in today's shape.
        .map((check) => (check.kind === 'order-delayed' ? { ...check, order: upgradeLegacySnapshot(check.order) as OrderSnapshot } : check))
    );
  }

  async remove(check: DueCheck): Promise<void> {
    this.checks.delete(`${check.accountId}|${dueCheckKey(check)}`);
  }

  /** The checks of an account, earliest first. */
  list(accountId: string): DueCheck[] {
    return [...this.checks.entries()]
      .filter(([key]) => key.startsWith(`${accountId}|`))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([, c]) => c);
  }
}

/**
 * When each account last received a tracking webhook, to the hour as DynamoDbTrackingActivity keeps it: a receipt is
 * written only when none is stored or the stored one is more than an hour older, so the time read lags by up to an hour
 * and a receipt noted late never moves it back.
 */
export class InMemoryTrackingActivity implements TrackingActivity {
  readonly last = new Map<string, Date>();

  async noteReceived(accountId: string, at: Date): Promise<void> {
    const stored = this.last.get(accountId);
    if (stored === undefined || stored.getTime() < at.getTime() - 3_600_000) this.last.set(accountId, new Date(at));
  }

  async lastReceived(accountId: string): Promise<Date | undefined> {
    const stored = this.last.get(accountId);
    return stored === undefined ? undefined : new Date(stored);
  }
}

/**
 * The tracking, delay and order-lookup parts of the publish dependencies, in memory, with the default thresholds:
 * ShipStation holds no order (a lookup finds none) and service names are the common ones.
 */
export function trackingDeps(): {
  shipments: InMemoryShipmentRecordStore;
  due: InMemoryDueCheckStore;
  delays: { orderDelayedAfterHours: number; shipmentStalledAfterDays: number };
  orders: FakeOrderLookup;
  serviceNames: ResolveServiceName;
  orderWaitSeconds: number;
  /** Where a live label waiting for its order is put back. */
  updates: InMemoryUpdateQueue;
  /** Where a historical label waiting for its order is put back. */
  history: InMemoryUpdateQueue;
} {
  return {
    shipments: new InMemoryShipmentRecordStore(),
    due: new InMemoryDueCheckStore(),
    delays: { orderDelayedAfterHours: 72, shipmentStalledAfterDays: 5 },
    orders: new FakeOrderLookup(),
    serviceNames: fixedServiceName(),
    orderWaitSeconds: 60,
    updates: new InMemoryUpdateQueue(),
    history: new InMemoryUpdateQueue(),
  };
}

/**
 * The V2 webhooks of each account (`GET/POST /v2/environment/webhooks`), in memory: answers with what the test set, or a
 * scripted error for the next calls. With `oneWebhookPerEvent`, a second webhook for an event is refused with a 400, as
 * ShipStation may do.
 */
export class InMemoryShipStationV2Webhooks implements ShipStationV2Webhooks {
  /** Webhooks by account id; createV2Webhook adds to them. */
  readonly webhooks = new Map<string, V2WebhookSubscription[]>();
  /** Every create asked for, in order (names included). */
  readonly created: { accountId: string; name: string; event: string; url: string }[] = [];
  /** Accounts whose webhooks were listed, in order. */
  readonly listed: string[] = [];
  private readonly failures: Error[] = [];
  private createFailure: Error | undefined;
  private nextId = 9001;

  constructor(private readonly options: { oneWebhookPerEvent?: boolean } = {}) {}

  /** Adds a webhook made elsewhere (another app, an old deployment). */
  add(accountId: string, webhook: V2WebhookSubscription): this {
    this.webhooks.set(accountId, [...(this.webhooks.get(accountId) ?? []), { ...webhook }]);
    return this;
  }

  /** The next `times` calls (list or create) fail with `error`. */
  failNext(error: Error, times = 1): this {
    for (let i = 0; i < times; i += 1) this.failures.push(error);
    return this;
  }

  /** The next create fails with `error` (lists still answer). */
  failNextCreate(error: Error): this {
    this.createFailure = error;
    return this;
  }

  async listV2Webhooks(accountId: string): Promise<V2WebhookSubscription[]> {
    this.listed.push(accountId);
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure;
    return structuredClone(this.webhooks.get(accountId) ?? []);
  }

  async createV2Webhook(accountId: string, webhook: { name: string; event: string; url: string }): Promise<string> {
    this.created.push({ accountId, ...webhook });
    const failure = this.createFailure ?? this.failures.shift();
    this.createFailure = undefined;
    if (failure !== undefined) throw failure;
    const existing = this.webhooks.get(accountId) ?? [];
    if (this.options.oneWebhookPerEvent === true && existing.some((w) => w.event === webhook.event)) {
      throw new BadInputError(`ShipStation V2 answered 400 for POST /v2/environment/webhooks: a webhook for event '${webhook.event}' already exists`);
    }
    const id = String(this.nextId++);
    this.webhooks.set(accountId, [...existing, { id, event: webhook.event, url: webhook.url }]);
    return id;
  }
}

/** Every port the publish use cases need, in memory, for one account; each test takes the parts it looks at. */
export function inMemoryPublishDeps(clock: FakeClock, account: AccountWithToken = fakeAccount()) {
  return {
    accounts: new StaticAccountDirectory([account]),
    orderStates: new InMemoryOrderStateStore(),
    ledger: new InMemoryEventLedger({ leaseMs: 120_000 }),
    klaviyo: new FakeKlaviyoApi(),
    held: new InMemoryHeldEventStore(),
    credentials: new InMemoryCredentialStatusStore(),
    alerts: new RecordingAlerts(),
    alertLedger: new InMemoryAlertLedger(),
    metrics: new RecordingServiceMetrics(),
    pollJobs: new InMemoryPollJobQueue(),
    clock,
    backfillAfterHours: 24,
    ...trackingDeps(),
    log: new RecordingLogger(),
  };
}
