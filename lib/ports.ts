// Ports: what use cases need from the outside world. Adapters in lib/adapters implement them; tests use fakes.
import type { KlaviyoEvent } from './domain/klaviyo-event.js';
import type { OrderState } from './domain/order-state.js';
import type { PollJob, PollProgress } from './domain/poll-plan.js';
import type { RecordedEventStatus } from './domain/reconcile.js';
import type { NotificationMessage, OrderSnapshot, Snapshot, UpdateMessage } from './domain/snapshot.js';
import type { DueCheck, ShipmentRecord } from './domain/shipment-tracking.js';

export interface Clock {
  now(): Date;
  sleep(ms: number): Promise<void>;
}

/** What a use case knows of an account (no secrets beyond what it must hand to an adapter). */
export interface Account {
  id: string;
  shipStationBaseUrl: string;
  shipStationFingerprint: string;
  klaviyoFingerprint: string;
  /** The day the ShipStation V1 key expires (`YYYY-MM-DD`, as configured). */
  shipStationKeyExpiresOn: string;
  metricPrefix: string;
  /** Only orders and shipments of these ShipStation stores belong to the account; absent = every store. */
  storeIds?: number[];
  /** Days the account's first poll imports. */
  importDays?: number;
  /** Fingerprint of the ShipStation V2 API key; absent = no V2 key, so no tracking events for this account. */
  shipStationV2Fingerprint?: string;
  /** IANA time zone in which the account's calendar dates end (a ship-by date is over at midnight there). */
  timeZone: string;
  /** Country a phone number without a country code is read in when neither address names one. */
  defaultCountry: string;
}

export interface AccountDirectory {
  find(accountId: string): Account | undefined;
  /** Constant-time comparison of a presented webhook token with the account's. */
  verifyWebhookToken(accountId: string, presented: string): boolean;
  /** Every configured account, for the scheduled fan-out and the CLI. */
  list(): Account[];
  /**
   * The account's webhook endpoint under a deployed base URL, `<base>/webhooks/shipstation/<id>?token=<token>`: what
   * ShipStation is subscribed to. It carries the token, so it is handed to ShipStation and never printed or logged.
   * @throws BadInputError for an unknown account
   */
  webhookTargetUrl(accountId: string, baseUrl: string): string;
  /**
   * The account's V2 tracking webhook endpoint, `<base>/webhooks/tracking/<id>?token=<token>` (signed by ShipStation,
   * and carrying the account's token so another ShipStation account's webhooks cannot be pointed at it). Never logged.
   * @throws BadInputError for an unknown account
   */
  trackingTargetUrl(accountId: string, baseUrl: string): string;
}

export interface NotificationQueue {
  enqueue(message: NotificationMessage): Promise<void>;
}

export interface UpdateQueue {
  /**
   * Enqueues every message durably, or throws (nothing is reported sent that was not).
   * @param delaySeconds hides the messages for that long first (at most 900; a tracking update waiting for its label)
   */
  enqueueAll(messages: UpdateMessage[], delaySeconds?: number): Promise<void>;
}

/** Outcome of checking a V2 webhook signature against ShipStation's published keys. */
export type SignatureCheck = 'valid' | 'invalid' | 'unknown-key';

/** What one key set URL holds now (`doctor`): usable RSA signing keys, other entries (EC keys…, ignored), or why not. */
export interface KeySetCheck {
  url: string;
  /** At least one usable RSA signing key. */
  ok: boolean;
  rsaKeys: number;
  otherKeys: number;
  problem?: string;
}

/**
 * ShipStation's public keys for signed V2 webhooks: one or more JWKS URLs, RSA keys merged by key id (cached; refetched
 * for a key id it does not hold at most once a minute, so made-up key ids cannot make it fetch more).
 */
export interface WebhookSignatureVerifier {
  /**
   * Verifies an RSA-SHA256 (PKCS#1 v1.5) signature, base64, over `signedText` with the key `keyId`.
   * @throws SigningKeysUnavailableError when no key set gives a usable RSA key now
   */
  verify(input: { keyId: string; signature: string; signedText: string }): Promise<SignatureCheck>;
  /** Fetches each key set URL afresh and says what it holds; never throws. */
  checkKeySets(): Promise<KeySetCheck[]>;
}

/** A V2 webhook subscription as `GET /v2/environment/webhooks` lists it. */
export interface V2WebhookSubscription {
  id: string;
  event: string;
  url: string;
}

/** The V2 webhook endpoints, with the account's V2 API key (`API-Key` header). */
export interface ShipStationV2Webhooks {
  /** @throws ShipStationCredentialsError on 401/403, TransientError otherwise */
  listV2Webhooks(accountId: string): Promise<V2WebhookSubscription[]>;
  /** `POST /v2/environment/webhooks` with `{name, event, url}`; returns the new webhook's id. */
  createV2Webhook(accountId: string, webhook: { name: string; event: string; url: string }): Promise<string>;
}

/**
 * Labels and fulfilments of an order as tracking needs them: who, what and where (copied from the snapshot that showed
 * the label), and how far the carrier has got. Stored in the order's partition (one item per shipment, versioned like
 * the order state) plus a pointer from the tracking number, written after the record.
 */
export interface ShipmentRecordStore {
  get(accountId: string, orderId: number, shipmentKey: string): Promise<ShipmentRecord | undefined>;
  /** Every shipment recorded for the order (for AllShipmentsDelivered). */
  listForOrder(accountId: string, orderId: number): Promise<ShipmentRecord[]>;
  /**
   * Writes the record if the stored version still equals `record.version` (nothing stored when 0).
   * @returns false when another writer got there first
   */
  put(record: ShipmentRecord): Promise<boolean>;
  /**
   * Points the shipment's (normalised) tracking number, and for a label its V2 label id (`se-<shipmentId>`), at its
   * record. Idempotent.
   */
  link(accountId: string, target: { orderId: number; shipmentKey: string; trackingNumber?: string | undefined }): Promise<void>;
  /** The shipment a tracking number points at, if its label has been seen. */
  findByTracking(accountId: string, trackingNumber: string): Promise<ShipmentRecord | undefined>;
  /** The label a V1 shipmentId (V2 label id `se-<shipmentId>`) points at, if it has been seen. */
  findByLabel(accountId: string, shipmentId: number): Promise<ShipmentRecord | undefined>;
}

/**
 * Checks due at a time (an order that may be delayed, a package that may be stalled), kept per account ordered by due
 * time so a sweep reads only what is due. Entries are hints: the sweep checks each against the current state.
 */
export interface DueCheckStore {
  /** Stores (or overwrites) the check due at `check.dueAt`. */
  schedule(check: DueCheck): Promise<void>;
  /** Up to `limit` checks of the account due at or before `until`, earliest first. */
  listDue(accountId: string, until: Date, limit: number): Promise<DueCheck[]>;
  remove(check: DueCheck): Promise<void>;
}

/** When the account last received a verified tracking webhook (`doctor`: are tracking events flowing?). */
export interface TrackingActivity {
  /** Records a receipt; cheap to call on every update (writes at most about once an hour). */
  noteReceived(accountId: string, at: Date): Promise<void>;
  lastReceived(accountId: string): Promise<Date | undefined>;
}

/** Result of reading one webhook resource_url, all pages. */
export interface FetchedResource {
  snapshots: Snapshot[];
  /** Records that did not parse, by kind and position, with the reason. */
  unreadable: { kind: string; index: number; reason: string }[];
  requests: number;
}

export interface ShipStationApi {
  /**
   * GETs a webhook's resource URL with the account's credentials, following pages, only in the shape ShipStation sends
   * for `resourceType` (else BadInputError, no request made) and up to that type's cap (else ResourceTooLargeError).
   * @throws ShipStationCredentialsError on 401, TransientError for a 200 that is not a page or when retries are spent
   */
  fetchResource(accountId: string, url: URL, resourceType: string): Promise<FetchedResource>;
}

/** One order read by id (`GET /orders/{orderId}`), for a label or fulfilment whose order no snapshot brought. */
export interface OrderLookup {
  /**
   * One request from the key pair's shared budget.
   * @returns the order's snapshot, or undefined when ShipStation has no such order (404)
   * @throws ShipStationCredentialsError on 401, TransientError when ShipStation cannot answer now
   */
  fetchOrder(accountId: string, orderId: number): Promise<OrderSnapshot | undefined>;
}

/** A carrier's service as ShipStation lists it (`GET /carriers/listservices?carrierCode=…`). */
export interface CarrierService {
  code: string;
  name: string;
}

/** Where a carrier's services and their display names are listed (`usps_first_class_mail` → "USPS First Class Mail"). */
export interface ShipStationServiceCatalog {
  /**
   * The services of one carrier, with their display names; one request from the shared budget.
   * @throws ShipStationCredentialsError on 401, TransientError when ShipStation cannot answer now
   */
  listServices(accountId: string, carrierCode: string): Promise<CarrierService[]>;
}

/** Service lists kept between containers (they change rarely; reading one costs a ShipStation request). */
export interface CarrierServiceCache {
  get(accountId: string, carrierCode: string): Promise<{ services: CarrierService[]; fetchedAt: string } | undefined>;
  put(accountId: string, carrierCode: string, services: CarrierService[], fetchedAt: Date): Promise<void>;
}

export interface KlaviyoApi {
  /**
   * Sends one event; resolves when Klaviyo accepted it (202).
   * @throws KlaviyoRejectedError when refused for good, TransientError when it may work later
   */
  createEvent(event: KlaviyoEvent): Promise<void>;
}

export type CredentialService = 'shipstation' | 'klaviyo';

/** What is known of an account's key for one service: found invalid (paused) or working again. */
export interface CredentialStatus {
  state: 'invalid' | 'valid';
  /** Fingerprint of the key the state is about; a rotated key has another one. */
  fingerprint: string;
  since: string;
  reason?: string;
  /** When the alert about the invalid key went out; absent while it is still owed. */
  alertedAt?: string;
  /**
   * Klaviyo failing past the in-invocation retries (5xx, 429, timeouts): since when, and the last reason. While set, the
   * account's events are held (as for a refused key) and released, in order, once Klaviyo answers again.
   */
  outage?: { since: string; reason: string };
}

/**
 * One status per (account, service), written with single-item conditional writes. A key is paused while the status
 * says invalid for its own fingerprint; a rotated key (another fingerprint) is tried again at once.
 */
export interface CredentialStatusStore {
  status(accountId: string, service: CredentialService): Promise<CredentialStatus | undefined>;
  /** Records that a key failed; returns true only for the first report for this key (so it is alerted once). */
  markInvalid(accountId: string, service: CredentialService, fingerprint: string, reason: string): Promise<boolean>;
  /** Records that a key works; returns true only when that ends an invalid status (so recovery is announced once). */
  markValid(accountId: string, service: CredentialService, fingerprint: string): Promise<boolean>;
  /** Records that the alert about this invalid key went out. */
  markAlerted(accountId: string, service: CredentialService, fingerprint: string): Promise<void>;
  isInvalid(accountId: string, service: CredentialService, fingerprint: string): Promise<boolean>;
  /** Records that the service fails for now; returns true only for the call that began the outage. */
  markOutage(accountId: string, service: CredentialService, reason: string): Promise<boolean>;
  /** Records that the service answers again; returns true only for the call that ended the outage. */
  clearOutage(accountId: string, service: CredentialService): Promise<boolean>;
}

/** A message for the operators of the service (SNS topic, e-mail): which account, which key, what to do. */
export interface Alert {
  accountId: string;
  /** Short and specific, fit for an e-mail subject (at most 100 characters). */
  subject: string;
  message: string;
}

export interface Alerts {
  /** @throws when the alert could not be handed over (the caller keeps it owed and tries again) */
  send(alert: Alert): Promise<void>;
}

/**
 * Alerts that must go out once only (a key-expiry threshold, a refused key): a single-item conditional write claims one
 * for a while (a lease), `confirm` makes it final once it was handed over, so a re-run or a retry never repeats a sent
 * alert, and one whose sender died before confirming is sent by the next run once the lease has run out.
 */
export interface AlertLedger {
  /** @returns true when this call claimed the alert (never sent, and no unexpired claim) */
  claim(accountId: string, alertId: string, now: Date): Promise<boolean>;
  /** The claimed alert was handed over: it is never claimed again. */
  confirm(accountId: string, alertId: string, now: Date): Promise<void>;
  /** Gives a claimed alert back when it could not be sent, so the next run sends it. */
  release(accountId: string, alertId: string): Promise<void>;
}

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

/** Cheap calls that prove a key works without changing anything. */
export interface ShipStationCredentialCheck {
  /**
   * `GET /stores` within the shared budget.
   * @returns the stores the key sees
   * @throws ShipStationCredentialsError on 401, TransientError when ShipStation cannot answer now
   */
  checkCredentials(accountId: string): Promise<{ stores: { storeId: number; storeName: string }[] }>;
}

export interface KlaviyoCredentialCheck {
  /**
   * Proves the private key authenticates and holds `events:write`, with a request Klaviyo refuses as invalid (400)
   * only after authentication and scope checks, so no event is created.
   * @throws KlaviyoRejectedError with status 401 (bad key) or 403 (missing scope), TransientError otherwise
   */
  checkCredentials(accountId: string): Promise<void>;
}

/** Messages waiting in a queue and in its dead-letter queue. */
export interface QueueDepth {
  queue: string;
  visible: number;
  inFlight: number;
  delayed: number;
  deadLetters?: number;
}

export interface QueueDepths {
  depths(): Promise<QueueDepth[]>;
}

/** Figures for the operators' dashboard. */
export interface HealthMetrics {
  daysUntilKeyExpiry(accountId: string, days: number): void;
}

/** The functions answering webhooks over HTTP: the `Receiver` dimension of their metrics. */
export type WebhookReceiver = 'receive-webhook' | 'receive-tracking';

/**
 * Why a receiver refused a request: the `Reason` dimension, a fixed set so the metric series stay few (never an account
 * id or free text). `unauthorized`: wrong or missing token of a configured account; `unknown-account`: the path names
 * no configured account; `bad-request`: a malformed body or an off-host resource_url; `too-large`: over the body
 * limit; tracking only: `unsigned` (a signature header missing), `timestamp` (unreadable or more than 5 minutes off),
 * `signature` (a signature that does not verify, or a key id ShipStation does not publish).
 */
export type WebhookRefusal = 'unauthorized' | 'unknown-account' | 'bad-request' | 'too-large' | 'unsigned' | 'timestamp' | 'signature';

/**
 * What the pipeline did, for the dashboard and the alarms (CloudWatch namespace ShipStationKlaviyoSync, every metric
 * with the dimension `service`; see infra/dashboard.yml and infra/alarms.yml).
 */
export interface ServiceMetrics {
  /** `EventsSent`, also per Klaviyo metric name (dimension `Metric`). */
  eventsSent(metric: string, count: number): void;
  /** `EventsDeduplicated`: events already sent (redeliveries, overlapping polls, duplicate webhooks). */
  eventsDeduplicated(count: number): void;
  /** `EventsStaleSuppressed`: snapshots older than what was processed for their order. */
  staleSuppressed(count: number): void;
  /** `EventsHeld`: events held while the account's Klaviyo key is refused or Klaviyo is down. */
  eventsHeld(count: number): void;
  /** `HeldEvents`: an account's held backlog after a release (a gauge; the alarm reads its Maximum). */
  heldEvents(count: number): void;
  /** `KlaviyoRejected`: events Klaviyo refused for good (each has a dead-letter record). */
  klaviyoRejected(count: number): void;
  /** `DeadLettered`: dead-letter records written (refused events, events with no contact, unreadable or oversized rows). */
  deadLettered(count: number): void;
  /** `ShipStationThrottled`: ShipStation answers of 429. */
  shipStationThrottled(count: number): void;
  /** `PollLagSeconds`: how far behind now the account's cursor is, per account (dimension `Account`) and service-wide. */
  pollLag(accountId: string, seconds: number): void;
  /** `WebhooksRefused` by `Receiver` and `Reason`: a request a receiver answered 4xx (nothing queued). */
  webhookRefused(receiver: WebhookReceiver, reason: WebhookRefusal): void;
  /** `WebhooksFailed` by `Receiver`: a request a receiver answered 5xx (nothing queued; the sender retries). */
  webhookFailed(receiver: WebhookReceiver): void;
  /** `TrackingKeysUnavailable`: a fetch of the tracking webhooks' signing key sets that gave no usable RSA key. */
  trackingKeysUnavailable(): void;
  /** Writes what was recorded (one EMF document); handlers call it once per invocation. */
  flush(): void;
}

export interface OrderStateStore {
  get(accountId: string, orderId: number): Promise<OrderState | undefined>;
  /**
   * Writes the state if the stored version still equals `state.version` (or nothing is stored when it is 0).
   * @returns false when another writer got there first
   */
  put(state: OrderState): Promise<boolean>;
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
  markSent(accountId: string, uniqueId: string, claimId: string, now: Date): Promise<void>;
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

/** A message waiting in a work queue's dead-letter queue, as received (hidden from other readers for a while). */
export interface DeadLetterMessage {
  messageId: string;
  body: string;
  /** Message attributes (accountId…), sent back with the body. */
  attributes: Record<string, { dataType: string; stringValue?: string; binaryValue?: Uint8Array }>;
  /** Opaque handle that deletes this receipt of the message. */
  receipt: string;
}

/** The work queues' dead-letter queues (SQS DLQs found from each queue's redrive policy). */
export interface DeadLetterQueues {
  /** The work queues, by name (notifications, updates, history, polls). */
  names(): string[];
  /** Messages waiting in the queue's dead-letter queue (approximate), or undefined when it has none. */
  depth(queue: string): Promise<number | undefined>;
  /** One receive without long polling: up to `max` (≤ 10) messages, hidden from other readers for `hideSeconds`. */
  receive(queue: string, max: number, hideSeconds: number): Promise<DeadLetterMessage[]>;
  /**
   * Sends the message back to its work queue (body and attributes), then deletes it from the dead-letter queue.
   * @throws when either step fails; nothing is deleted unless the send succeeded
   */
  moveBack(queue: string, message: DeadLetterMessage): Promise<void>;
}

/** What one page of a ShipStation list endpoint gave back. */
export type ListResource = 'orders' | 'shipments' | 'fulfillments';

export interface ListPageRequest {
  resource: ListResource;
  /** Query parameters as ShipStation takes them (Pacific-time date filters, sortBy, sortDir, page, pageSize…). */
  query: Record<string, string>;
}

export interface ListedPage {
  snapshots: Snapshot[];
  unreadable: { kind: string; index: number; reason: string }[];
  /** Rows on the page, readable or not. */
  rows: number;
  page: number;
  pages: number;
  total: number;
  /** HTTP requests it took (retries included). */
  requests: number;
}

/** The list endpoints the poll reads. */
export interface ShipStationLister {
  /**
   * Reads one page of `/orders`, `/shipments` or `/fulfillments` on the account's origin, within the shared budget.
   * @throws ShipStationCredentialsError on 401, TransientError when retries are spent or the budget wait is too long
   */
  listPage(accountId: string, request: ListPageRequest): Promise<ListedPage>;
}

/** A V1 webhook subscription as `GET /webhooks` lists it. */
export interface WebhookSubscription {
  id: string;
  event: string;
  targetUrl: string;
  storeId?: number;
}

export interface ShipStationWebhooks {
  listWebhooks(accountId: string): Promise<WebhookSubscription[]>;
  /** `POST /webhooks/subscribe`; returns the new subscription's id. */
  subscribeWebhook(accountId: string, subscription: { event: string; targetUrl: string; storeId?: number; friendlyName: string }): Promise<string>;
}

/** Outcome of asking the shared budget for one ShipStation request. */
export type RateGrant = { granted: true } | { granted: false; waitMs: number };

/** What a ShipStation response said about the key's window (X-Rate-Limit-* headers, or a 429). */
export interface ObservedRate {
  limit?: number;
  remaining: number;
  resetSeconds: number;
}

/**
 * ShipStation's 40 requests/minute belong to a key pair, shared by every Lambda (and every other app on that key): one
 * budget per key fingerprint, taken before each request and reconciled with what ShipStation reports.
 */
export interface RateBudget {
  take(keyFingerprint: string, now: Date): Promise<RateGrant>;
  reconcile(keyFingerprint: string, observed: ObservedRate, now: Date): Promise<void>;
}

/** Klaviyo Bulk Create Events, for historical and catch-up events. */
export interface KlaviyoBulkApi {
  /**
   * Sends one Bulk Create Events request (202 = accepted as a job). The caller keeps within Klaviyo's limits
   * (planBulkRequests: ≤ 1,000 events, ≤ 5 MB, no unique_id twice).
   * @throws KlaviyoRejectedError when the request is refused (one bad event refuses all), TransientError otherwise
   */
  createEvents(accountId: string, events: KlaviyoEvent[]): Promise<void>;
}

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

export type { PollJob };

/** Brings a failed message of one queue back sooner than the queue's visibility timeout (SQS ChangeMessageVisibility). */
export interface MessageVisibility {
  /** Makes the received message visible again after `seconds`. */
  delay(receiptHandle: string, seconds: number): Promise<void>;
}

export interface PollJobQueue {
  enqueue(jobs: PollJob[], delaySeconds?: number): Promise<void>;
}

/** Historical snapshots (import, catch-up), packed many per message and sent to Klaviyo in bulk. */
export interface HistoryQueue {
  /** @param delaySeconds hides the messages for that long first (at most 900; a label waiting for its order) */
  enqueueAll(snapshots: Snapshot[], delaySeconds?: number): Promise<void>;
}
