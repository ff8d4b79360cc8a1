// Chaos (issue 6 item 2): a seeded shop of 2,000 orders lives through six rounds of activity, delivered by webhooks
// (each one up to three times) and by scheduled polls, while faults hit every dependency. Klaviyo must end up with
// exactly the events the design promises, each once, none stale, and the DLQs must hold the planted poison only.
//
// How it is built
// - Rounds. In each round the shop acts (imports in batches, holds and releases, cancellations, labels, split
//   shipments, voids, reprints, return labels, Mark as Shipped and restores, provider shipments and rejections, edits),
//   then its webhooks are delivered, a scheduled poll runs and every queue is drained by several consumers at once (as
//   Lambda scales out). Nothing is fetched or polled while the shop acts, so whatever the pipeline sees of an order in a
//   round is its state at the round's end. That state is recorded after each round and the expected events are
//   computed from those records: a status entered and left inside one round is not observable, and not expected.
//   Each poll starts more than a second after the round's last action (ShipStation's filters have whole seconds).
// - Faults. ShipStation: 429 (with a 1 s reset), 5xx, requests never answered (past HTTP_TIMEOUT_MS). Klaviyo: 5xx,
//   429 with Retry-After 1 s (waited in-process) or 15 s (handed back to SQS), requests never answered, and requests
//   accepted but never answered (Klaviyo has the event, our side does not learn it). Faults are drawn per request from
//   a seeded hash of what is requested and how often it was, at most two in a row for one request, so a request's own
//   retries get through and no fault alone can push a message to a DLQ. SQS: a 3 s visibility timeout, deletes lost
//   after successful invocations (the message comes back), older snapshots put back on the updates queue after newer
//   ones were processed, and three publish-events containers killed (SIGKILL: a child process running the same
//   handler) the moment Klaviyo accepted their event, before its 202 was written: our ledger still says PENDING.
// - Limits. The ShipStation simulator allows 100,000 requests a minute and SHIPSTATION_REQUESTS_PER_MINUTE follows it,
//   so the test measures the pipeline, not the 40/minute budget (shared-budget and http-shipstation-api test that).
//   Klaviyo's steady limit (3,500/minute) is lifted too: a fast machine could reach it, and a Retry-After of up to 60 s
//   cannot be waited out within 8 receives of 3 s; its burst limit (350/s) stays. POLL_OVERLAP_MINUTES is 0: every
//   poll would otherwise read the whole test again.
// - Queues allow 8 receives (8 to 16 in serverless.yml): a failed record comes back after its retry backoff (seconds),
//   and a batch slowed by faults can outlast a 3 s visibility and be received twice. A message that finds a dead
//   worker's claim is made visible again when the claim's 120 s lease has run out, as AWS's 540 s visibility timeout
//   would.
// - Two more scenarios run on the same stack afterwards: the retry window (an ORDER_NOTIFY fetch failing its four
//   attempts, with a 30-minute visibility timeout as in AWS) and a 2-hour Klaviyo outage on a simulated clock.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ChangeMessageVisibilityCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import { jest } from '@jest/globals';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { DynamoDbHeldEventStore } from '../../lib/adapters/dynamodb-held-event-store.js';
import { STATUS_METRICS, uniqueIds } from '../../lib/domain/event-mapping.js';
import { startLocalAws, type LocalAws } from '../../lib/local/aws-stand-ins.js';
import { validateKlaviyoBody } from '../../lib/local/klaviyo-schema.js';
import { consumeQueue, lambdaContext, serveHttpApi, type QueueConsumer, type SqsHandler } from '../../lib/local/lambda-runtime.js';
import { KlaviyoSimulator, type AcceptedEvent, type KlaviyoFault } from '../../lib/local/simulators/klaviyo-simulator.js';
import {
  seededRandom,
  ShipStationSimulator,
  type OrderStatus,
  type RecordedRequest,
  type ShipStationFault,
} from '../../lib/local/simulators/shipstation-simulator.js';
import { drawOrderContact, type ShopStep } from '../../lib/local/simulators/shop-history.js';
import { pacificToUtc } from '../../lib/normalise/pacific-time.js';
import { SUBSCRIBED_WEBHOOK_EVENTS } from '../../lib/use-cases/register-webhooks.js';
import { deadLetters, ledgerStatus } from '../helpers/handler-env.js';

type ScheduledHandler = (event: never, context: Context) => Promise<unknown>;

const SEED = 20_261_125;
const ACCOUNT = 'chaos';
const ORDERS = 2000;
const ROUNDS = 6;
/** Orders are placed during the first rounds; the later ones only move them on. */
const IMPORT_ROUNDS = 3;
const HTTP_TIMEOUT_MS = 1500;
const VISIBILITY_SECONDS = 3;
const MAX_RECEIVES = 8;
/** Concurrent consumers of fetch-resource and publish-events, as Lambda scales out. */
const FETCH_CONSUMERS = 3;
const PUBLISH_CONSUMERS = 6;
/** The event ledger's claim lease (lib/adapters/dynamodb-event-ledger.ts): a dead worker's claim blocks this long. */
const CLAIM_LEASE_MS = 120_000;

const SHIPSTATION_FAULT_RATE = 0.02;
const KLAVIYO_FAULT_RATE = 0.03;
const LOST_DELETE_RATE = 0.005;
const REPLAYS_PER_ROUND = 20;

const secret = (what: string): string => `${ACCOUNT}-${what}-0123456789abcdef`;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------------------------------
// The shop's plan: each order follows one life, its steps spread over the rounds.

type Step = ShopStep;

/** Share of orders per life, in percent. */
const LIVES = {
  shippedByLabel: 30,
  awaitingShipment: 6,
  awaitingPayment: 3,
  paidLater: 4,
  paymentCancelled: 1,
  heldThenReleased: 8,
  heldStays: 2,
  cancelledBeforeShipping: 5,
  cancelledThenRestored: 1,
  cancelledAfterVoidedLabel: 4,
  splitShipment: 6,
  voidedLabelReprinted: 6,
  returnLabel: 2,
  markedAsShipped: 7,
  markedAsShippedThenRestored: 3,
  providerShipped: 3,
  providerRejected: 3,
} as const;
type Life = keyof typeof LIVES;

const paid: Step = { kind: 'import', status: 'awaiting_shipment' };
const label: Step = { kind: 'label', isReturnLabel: false };
const status = (to: OrderStatus): Step => ({ kind: 'status', status: to });

function stepsOf(life: Life, random: () => number): Step[] {
  const maybe = (step: Step, chance = 0.3): Step[] => (random() < chance ? [step] : []);
  const edit: Step = { kind: 'edit' };
  switch (life) {
    case 'shippedByLabel':
      return [paid, ...maybe(edit), label];
    case 'awaitingShipment':
      return [paid, edit, ...maybe(edit, 0.5)];
    case 'awaitingPayment':
      return [{ kind: 'import', status: 'awaiting_payment' }, ...maybe(edit)];
    case 'paidLater':
      return [{ kind: 'import', status: 'awaiting_payment' }, status('awaiting_shipment'), label];
    case 'paymentCancelled':
      return [{ kind: 'import', status: 'awaiting_payment' }, status('cancelled')];
    case 'heldThenReleased':
      return [paid, status('on_hold'), ...maybe(edit), status('awaiting_shipment'), ...maybe(label, 0.7)];
    case 'heldStays':
      return [paid, status('on_hold'), edit];
    case 'cancelledBeforeShipping':
      return [paid, ...maybe(edit), status('cancelled')];
    case 'cancelledThenRestored':
      return [paid, status('cancelled'), status('awaiting_shipment'), label];
    case 'cancelledAfterVoidedLabel':
      return [paid, label, { kind: 'voidLabel' }, status('cancelled')];
    case 'splitShipment':
      return [paid, label, label];
    case 'voidedLabelReprinted':
      return [paid, label, { kind: 'voidLabel' }, label];
    case 'returnLabel':
      return [paid, label, { kind: 'label', isReturnLabel: true }];
    case 'markedAsShipped':
      return [paid, ...maybe(edit), { kind: 'markAsShipped' }];
    case 'markedAsShippedThenRestored':
      return [paid, { kind: 'markAsShipped' }, { kind: 'voidFulfillment' }, ...maybe(label, 0.5)];
    case 'providerShipped':
      return [paid, status('pending_fulfillment'), { kind: 'providerShipped' }];
    case 'providerRejected':
      return [paid, status('pending_fulfillment'), { kind: 'providerRejected' }, ...maybe(status('awaiting_shipment'), 0.5)];
  }
}

interface Plan {
  index: number;
  life: Life;
  steps: Step[];
  /** The round of each step; a step beyond the last round is dropped with those after it. */
  rounds: number[];
  orderId?: number;
  /** Live outbound labels and fulfilments, newest last (what a void takes back). */
  labels: number[];
  fulfillments: number[];
}

/** Draws every order's life and the rounds of its steps: mostly one round apart, sometimes two, sometimes the same. */
function planShop(random: () => number): Plan[] {
  const lives = Object.entries(LIVES) as [Life, number][];
  const total = lives.reduce((sum, [, share]) => sum + share, 0);
  return Array.from({ length: ORDERS }, (_, index) => {
    let roll = random() * total;
    const life = lives.find(([, share]) => (roll -= share) < 0)?.[0] ?? 'shippedByLabel';
    const steps = stepsOf(life, random);
    const rounds = [1 + Math.floor(random() * IMPORT_ROUNDS)];
    for (let i = 1; i < steps.length; i += 1) {
      const gap = random();
      rounds.push((rounds[i - 1] as number) + (gap < 0.15 ? 0 : gap < 0.8 ? 1 : 2));
    }
    const kept = rounds.filter((round) => round <= ROUNDS).length;
    return { index, life, steps: steps.slice(0, kept), rounds: rounds.slice(0, kept), labels: [], fulfillments: [] };
  });
}

// ---------------------------------------------------------------------------------------------------------------------
// What the shop did and what was observable, for the expectations.

interface LabelRecord {
  shipmentId: number;
  orderId: number;
  isReturnLabel: boolean;
  createdIn: number;
  voidedIn?: number;
}

interface FulfillmentRecord {
  fulfillmentId: number;
  orderId: number;
  createdIn: number;
  voidedIn?: number;
}

/** An order as every fetch and poll of a round sees it: its state at the round's end. */
interface Observation {
  status: OrderStatus;
  modifyDate: string;
}

// ---------------------------------------------------------------------------------------------------------------------
// Fault decisions: a seeded hash of (what, how many times so far), so they do not depend on arrival order.

function unitHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return seededRandom(hash >>> 0)();
}

/** Faults for one kind of request: at most two in a row per key, so the third attempt always gets through. */
class FaultDice {
  private readonly seen = new Map<string, number>();
  private readonly streaks = new Map<string, number>();

  constructor(
    private readonly name: string,
    private readonly rate: number,
  ) {}

  /** A roll in [0, 1) scaled to the fault rate when this request is to fail, else undefined. */
  roll(key: string): number | undefined {
    const n = this.seen.get(key) ?? 0;
    this.seen.set(key, n + 1);
    const streak = this.streaks.get(key) ?? 0;
    const u = unitHash(`${SEED}:${this.name}:${key}:${n}`);
    if (streak >= 2 || u >= this.rate) {
      this.streaks.delete(key);
      return undefined;
    }
    this.streaks.set(key, streak + 1);
    return u / this.rate;
  }
}

const counts = {
  orders: 0,
  importBatches: 0,
  actions: {} as Record<string, number>,
  webhooks: { emitted: 0, deliveries: 0, failed: 0 },
  polls: 0,
  shipStationFaults: { '429': 0, '5xx': 0, timeout: 0 },
  klaviyoFaults: { '5xx': 0, '429 (Retry-After 1 s)': 0, '429 (Retry-After 15 s)': 0, 'timeout (not processed)': 0, 'timeout (accepted)': 0 },
  sqs: { redeliveries: 0, lostDeletes: 0, replayedSnapshots: 0, waitedForLease: 0 },
  kills: [] as Kill[],
  poison: { notifications: [] as string[], updates: [] as string[], refusedWebhooks: 0 },
  /** When each round (and each final poll) had settled, in seconds since the start, and the messages it took. */
  timeline: [] as { round: number | 'final'; settledAt: number; messages: number }[],
};
const countAction = (kind: string): void => void (counts.actions[kind] = (counts.actions[kind] ?? 0) + 1);

// ---------------------------------------------------------------------------------------------------------------------
// A publish-events container in its own process, so it can die mid-invocation like a Lambda that is killed.

const CONTAINER = `
const { pathToFileURL } = await import('node:url');
const { handler } = await import(pathToFileURL(process.cwd() + '/functions/publish-events.ts').href);
const { lambdaContext } = await import(pathToFileURL(process.cwd() + '/lib/local/lambda-runtime.ts').href);
process.on('message', (event) => {
  handler(event, lambdaContext('publish-events', 90000)).then(
    (result) => process.send({ result }),
    (error) => process.send({ error: String(error) }),
  );
});
process.send({ ready: true });
`;

class Container {
  private readonly exited: Promise<void>;
  private answer: ((response: SQSBatchResponse | undefined) => void) | undefined;

  private constructor(private readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.on('message', (message: { result?: SQSBatchResponse }) => this.answer?.(message.result));
    void this.exited.then(() => this.answer?.(undefined));
  }

  static async start(): Promise<Container> {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', CONTAINER], {
      cwd: process.cwd(),
      env: { ...process.env, NODE_OPTIONS: '' },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`container exited with ${code} before it was ready`)));
    });
    return new Container(child);
  }

  /** Runs one invocation; undefined when the container died during it. */
  invoke(event: SQSEvent): Promise<SQSBatchResponse | undefined> {
    return new Promise((resolve) => {
      this.answer = (response) => {
        this.answer = undefined;
        resolve(response);
      };
      this.child.send(event);
    });
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}

/** An event whose first send kills the container sending it; matching records go to that container until then. */
interface Victim {
  name: string;
  matches(snapshot: SnapshotSummary): boolean;
  uniqueIdPrefix: string;
  container: Container;
  armed: boolean;
  busy: boolean;
  /** One record at a time goes to the container. */
  turn: Promise<unknown>;
  kill?: Kill;
}

interface Kill {
  victim: string;
  uniqueId: string;
  at: number;
  /** The ledger entry of the event right after the kill: PENDING means our side did not learn of the send. */
  ledgerAfterKill?: string;
  /** And once everything settled: SENT when a redelivery sent it again (Klaviyo dropped the repeat), PENDING when the
   * order had moved on by the time the lease ran out (the redelivered snapshot was stale, nothing was sent). */
  ledgerAtEnd?: string;
}

interface SnapshotSummary {
  kind: 'order' | 'shipment' | 'fulfillment';
  accountId: string;
  orderId: number;
  status?: string;
  modifiedAt?: string;
  shipmentId?: number;
  voided?: boolean;
}

function summarize(body: string): SnapshotSummary | undefined {
  try {
    const value = JSON.parse(body) as SnapshotSummary;
    return typeof value === 'object' && value !== null && typeof value.orderId === 'number' ? value : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------------------

let aws: LocalAws;
let shop: ShipStationSimulator;
let klaviyo: KlaviyoSimulator;
let endpoint: { url: string; statuses: number[]; close(): Promise<void> };
let handlers: { fetch: SqsHandler; updates: SqsHandler; poll: SqsHandler; history: SqsHandler; schedule: ScheduledHandler };
let faultsOn = false;
const victims: Victim[] = [];
/** Messages known to fail for now (planted poison, copies of a dead worker's event): a round does not wait for them. */
const parked = new Map<string, string>();
const poisonIds = new Set<string>();
let progress = 0;
/** Order snapshots as processed, by order and modifyDate, and live label snapshots: the material for replays. */
const seenOrderSnapshots = new Map<number, Map<string, string>>();
const seenLiveShipments = new Map<number, string>();

const shipStationDice = new FaultDice('shipstation', SHIPSTATION_FAULT_RATE);
const klaviyoDice = new FaultDice('klaviyo', KLAVIYO_FAULT_RATE);
const lostDeletes = seededRandom(SEED + 1);
const replays = seededRandom(SEED + 2);

function shipStationFault(request: RecordedRequest): ShipStationFault | undefined {
  if (!faultsOn) return undefined;
  const roll = shipStationDice.roll(`${request.method} ${request.path}?${new URLSearchParams(request.query).toString()}`);
  if (roll === undefined) return undefined;
  if (roll < 0.4) {
    counts.shipStationFaults['429'] += 1;
    return { status: 429, resetSeconds: 1 };
  }
  if (roll < 0.8) {
    counts.shipStationFaults['5xx'] += 1;
    return { status: [500, 502, 503][Math.floor(roll * 10) % 3] as number };
  }
  counts.shipStationFaults.timeout += 1;
  return 'hang';
}

/** Per Klaviyo request, in order: the fault injected, and the simulator's dropped-duplicate count before it was served. */
const klaviyoLog: { fault?: KlaviyoFault; droppedBefore: number }[] = [];
/** Klaviyo sends our side gave up on (no answer in time), by unique_id: where the Klaviyo log stood at the time. */
const abandonedSends = new Map<string, number[]>();
const uniqueIdOf = (body: unknown): string => (body as { data?: { attributes?: { unique_id?: string } } } | undefined)?.data?.attributes?.unique_id ?? '';
const realFetch = globalThis.fetch;

/** The handlers' fetch, watched: a Klaviyo request that fails without an answer may still have been accepted. */
const watchedFetch: typeof fetch = async (input, init) => {
  try {
    return await realFetch(input, init);
  } catch (error) {
    if (String(input).startsWith(klaviyo.baseUrl) && typeof init?.body === 'string') {
      const uniqueId = uniqueIdOf(JSON.parse(init.body));
      abandonedSends.set(uniqueId, [...(abandonedSends.get(uniqueId) ?? []), klaviyoLog.length]);
    }
    throw error;
  }
};

function klaviyoFault(request: { path: string; body: unknown }): KlaviyoFault | undefined {
  const fault = drawKlaviyoFault(request);
  klaviyoLog.push({ fault, droppedBefore: klaviyo.duplicatesDropped });
  return fault;
}

/** While true, Klaviyo answers every request 503 (the outage scenario). */
let klaviyoDown = false;

function drawKlaviyoFault(request: { path: string; body: unknown }): KlaviyoFault | undefined {
  if (klaviyoDown) return { status: 503 };
  if (!faultsOn || request.path !== '/api/events') return undefined;
  const roll = klaviyoDice.roll(uniqueIdOf(request.body));
  if (roll === undefined) return undefined;
  if (roll < 0.35) {
    counts.klaviyoFaults['5xx'] += 1;
    return { status: [500, 502, 503, 504][Math.floor(roll * 100) % 4] as number };
  }
  if (roll < 0.55) {
    counts.klaviyoFaults['429 (Retry-After 1 s)'] += 1;
    return { status: 429, retryAfterSeconds: 1 };
  }
  if (roll < 0.65) {
    // A wait past the in-process limit holds the account's events for a release (an outage): the consumers that are to
    // be killed would then never send their event themselves, so this fault waits until every victim has been killed.
    if (victims.some((v) => v.armed)) {
      counts.klaviyoFaults['429 (Retry-After 1 s)'] += 1;
      return { status: 429, retryAfterSeconds: 1 };
    }
    counts.klaviyoFaults['429 (Retry-After 15 s)'] += 1;
    return { status: 429, retryAfterSeconds: 15 };
  }
  if (roll < 0.8) {
    counts.klaviyoFaults['timeout (not processed)'] += 1;
    return { hang: 'before-processing' };
  }
  counts.klaviyoFaults['timeout (accepted)'] += 1;
  return { hang: 'after-accepting' };
}

/** Kills the container sending a victim's event the moment Klaviyo accepts it, before the 202 is even written. */
function onAccepted(event: AcceptedEvent): void {
  const victim = victims.find((v) => v.armed && v.busy && (event.uniqueId ?? '').startsWith(v.uniqueIdPrefix));
  if (victim === undefined) return;
  victim.armed = false;
  victim.container.kill();
  victim.kill = { victim: victim.name, uniqueId: event.uniqueId ?? '', at: Date.now() };
  counts.kills.push(victim.kill);
}

/** The kill whose claim a failed record may be waiting for: a copy of a dead worker's event, while its lease runs. */
function deadClaimOf(snapshot: SnapshotSummary | undefined): Kill | undefined {
  if (snapshot === undefined) return undefined;
  return victims.find((v) => v.kill !== undefined && Date.now() < v.kill.at + CLAIM_LEASE_MS + 5_000 && v.matches(snapshot))?.kill;
}

/**
 * Keeps what was processed (for replays) and what failed (for the drain), and loses some deletes on purpose. A record
 * that failed on a dead worker's claim comes back when the claim's lease has run out, as it would in AWS, where the
 * visibility timeout (540 s) outlasts the lease (120 s): here the visibility is 3 s, so its visibility is extended.
 */
async function settleRecords(queueUrl: string, records: SQSRecord[], failures: Set<string>): Promise<SQSBatchResponse> {
  for (const record of records) {
    if (record.attributes.ApproximateReceiveCount !== '1') counts.sqs.redeliveries += 1;
    const snapshot = queueUrl === aws.queues.updates ? summarize(record.body) : undefined;
    if (!failures.has(record.messageId) && lostDeletes() < LOST_DELETE_RATE) {
      failures.add(record.messageId);
      counts.sqs.lostDeletes += 1;
    }
    if (snapshot !== undefined && !failures.has(record.messageId)) {
      if (snapshot.kind === 'order' && snapshot.modifiedAt !== undefined) {
        const byDate = seenOrderSnapshots.get(snapshot.orderId) ?? new Map<string, string>();
        if (!byDate.has(snapshot.modifiedAt)) byDate.set(snapshot.modifiedAt, record.body);
        seenOrderSnapshots.set(snapshot.orderId, byDate);
      } else if (snapshot.kind === 'shipment' && snapshot.voided === false && snapshot.shipmentId !== undefined) {
        if (!seenLiveShipments.has(snapshot.shipmentId)) seenLiveShipments.set(snapshot.shipmentId, record.body);
      }
    }
    const failed = failures.has(record.messageId);
    const deadClaim = failed ? deadClaimOf(snapshot) : undefined;
    if (failed && poisonIds.has(record.messageId)) {
      parked.set(record.messageId, queueUrl);
    } else if (deadClaim !== undefined) {
      counts.sqs.waitedForLease += 1;
      parked.set(record.messageId, queueUrl);
      const seconds = Math.max(1, Math.ceil((deadClaim.at + CLAIM_LEASE_MS + 2_000 - Date.now()) / 1000));
      await aws.sqs
        .send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: record.receiptHandle, VisibilityTimeout: seconds }))
        .catch(() => undefined);
    } else {
      parked.delete(record.messageId);
      progress += 1;
    }
  }
  return { batchItemFailures: [...failures].map((itemIdentifier) => ({ itemIdentifier })) };
}

/** publish-events as the event source mapping runs it, except that a victim's records go to its own container. */
const publishEvents: SqsHandler = async (event, context) => {
  const failures = new Set<string>();
  const local: SQSRecord[] = [];
  const routed: { record: SQSRecord; victim: Victim }[] = [];
  for (const record of event.Records) {
    const snapshot = summarize(record.body);
    const victim = snapshot === undefined ? undefined : victims.find((v) => v.armed && v.matches(snapshot));
    if (victim === undefined) local.push(record);
    else routed.push({ record, victim });
  }
  if (local.length > 0) {
    const response = await handlers.updates({ Records: local }, context);
    for (const failure of response.batchItemFailures) failures.add(failure.itemIdentifier);
  }
  for (const { record, victim } of routed) {
    const turn = victim.turn.then(async () => {
      if (!victim.armed) return (await handlers.updates({ Records: [record] }, context)).batchItemFailures;
      victim.busy = true;
      const response = await victim.container.invoke({ Records: [record] });
      victim.busy = false;
      if (response !== undefined) return response.batchItemFailures;
      // The container died after Klaviyo accepted the event: the record was never settled, SQS delivers it again.
      if (victim.kill !== undefined) victim.kill.ledgerAfterKill = await ledgerStatus(aws, victim.kill.uniqueId, ACCOUNT);
      return [{ itemIdentifier: record.messageId }];
    });
    victim.turn = turn.catch(() => undefined);
    for (const failure of await turn) failures.add(failure.itemIdentifier);
  }
  return await settleRecords(aws.queues.updates, event.Records, failures);
};

const fetchResources: SqsHandler = async (event, context) => {
  const response = await handlers.fetch(event, context);
  return await settleRecords(aws.queues.notifications, event.Records, new Set(response.batchItemFailures.map((f) => f.itemIdentifier)));
};

const counted =
  (handler: SqsHandler): SqsHandler =>
  async (event, context) => {
    const response = await handler(event, context);
    progress += event.Records.length;
    return response;
  };

interface Lane {
  queueUrl: string;
  dlqUrl: string;
  consumers: QueueConsumer[];
}
let lanes: Lane[];

async function depthOf(queueUrl: string): Promise<number> {
  const { Attributes } = await aws.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesDelayed'],
    }),
  );
  // local-aws-sqs counts in-flight messages in ApproximateNumberOfMessages (AWS would list them as NotVisible).
  return Number(Attributes?.ApproximateNumberOfMessages ?? 0) + Number(Attributes?.ApproximateNumberOfMessagesDelayed ?? 0);
}

/**
 * Runs every consumer until the queues hold nothing but what the round may leave behind (`final`: nothing at all), twice
 * in a row with nothing handled in between (a message is counted until it is deleted, in flight or waiting to be
 * retried, and what a handler enqueues is queued before its own message is deleted).
 */
async function drain(final: boolean): Promise<void> {
  let stop = false;
  const loops = lanes.flatMap((lane) =>
    lane.consumers.map(async (consumer) => {
      while (!stop) {
        const handled = await consumer.pollOnce().catch(() => 0);
        if (handled === 0) await sleep(50);
      }
    }),
  );
  let seen = progress;
  let idleChecks = 0;
  for (;;) {
    await sleep(150);
    if (progress !== seen) {
      seen = progress;
      idleChecks = 0;
      continue;
    }
    const pending = await Promise.all(
      lanes.map(async (lane) => {
        const depth = await depthOf(lane.queueUrl);
        if (final) return depth;
        const poisonInDlq = await depthOf(lane.dlqUrl);
        const waiting = [...parked.values()].filter((queueUrl) => queueUrl === lane.queueUrl).length;
        return depth - Math.max(0, waiting - poisonInDlq);
      }),
    );
    idleChecks = pending.every((n) => n <= 0) && progress === seen ? idleChecks + 1 : 0;
    if (idleChecks >= 2) break;
  }
  stop = true;
  await Promise.all(loops);
}

async function send(queueUrl: string, body: string): Promise<string> {
  const { MessageId } = await aws.sqs.send(
    new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body, MessageAttributes: { accountId: { DataType: 'String', StringValue: ACCOUNT } } }),
  );
  return MessageId ?? '';
}

async function receiveAll(queueUrl: string): Promise<string[]> {
  const bodies = new Map<string, string>();
  for (;;) {
    const { Messages } = await aws.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 60 }),
    );
    const fresh = (Messages ?? []).filter((m) => !bodies.has(m.MessageId ?? ''));
    if (fresh.length === 0) return [...bodies.values()];
    for (const m of fresh) bodies.set(m.MessageId ?? '', m.Body ?? '');
  }
}

beforeAll(async () => {
  aws = await startLocalAws({ visibilityTimeoutSeconds: VISIBILITY_SECONDS, maxReceiveCount: MAX_RECEIVES });
  klaviyo = await KlaviyoSimulator.start({ privateKeys: [secret('klaviyo')], onEventAccepted: onAccepted, faults: klaviyoFault });
  klaviyo.setRateLimits({ burstPerSecond: 350, steadyPerMinute: 100_000 }, 'create-event');
  shop = await ShipStationSimulator.start({
    apiKey: secret('key'),
    apiSecret: secret('secret'),
    rateLimitPerMinute: 100_000,
    // Each webhook is delivered once (half of them), twice (30%) or three times (ShipStation repeats itself).
    webhookDeliveriesFor: (event, resourceUrl) => {
      const roll = unitHash(`${SEED}:deliveries:${event}:${resourceUrl}`);
      const deliveries = roll < 0.5 ? 1 : roll < 0.8 ? 2 : 3;
      counts.webhooks.emitted += 1;
      counts.webhooks.deliveries += deliveries;
      return deliveries;
    },
    onWebhookError: () => void (counts.webhooks.failed += 1),
    faults: shipStationFault,
  });
  const accountsFile = join(mkdtempSync(join(tmpdir(), 'chaos-')), 'accounts.json');
  writeFileSync(
    accountsFile,
    JSON.stringify({
      accounts: [
        {
          id: ACCOUNT,
          shipStation: { apiKey: secret('key'), apiSecret: secret('secret'), keyExpiresOn: '2027-06-30', baseUrl: shop.baseUrl },
          klaviyo: { privateKey: secret('klaviyo'), baseUrl: klaviyo.baseUrl },
          webhookToken: secret('token'),
        },
      ],
    }),
  );
  globalThis.fetch = watchedFetch;
  Object.assign(process.env, aws.env, {
    ACCOUNTS_FILE: accountsFile,
    HTTP_TIMEOUT_MS: String(HTTP_TIMEOUT_MS),
    POLL_LAG_MINUTES: '0',
    POLL_OVERLAP_MINUTES: '0',
    SHIPSTATION_REQUESTS_PER_MINUTE: '100000',
  });
  // One at a time: jest's ESM loader fails on concurrent imports that share modules.
  const receive = await import('../../functions/receive-webhook.js');
  const fetch = await import('../../functions/fetch-resource.js');
  const updates = await import('../../functions/publish-events.js');
  const poll = await import('../../functions/poll-shipstation.js');
  const history = await import('../../functions/publish-history.js');
  const schedule = await import('../../functions/schedule-polls.js');
  handlers = { fetch: fetch.handler, updates: updates.handler, poll: poll.handler, history: history.handler, schedule: schedule.handler as ScheduledHandler };
  endpoint = await serveHttpApi({ handler: receive.handler, functionName: 'receive-webhook' });
  for (const event of SUBSCRIBED_WEBHOOK_EVENTS) {
    const response = await globalThis.fetch(`${shop.baseUrl}/webhooks/subscribe`, {
      method: 'POST',
      headers: { Authorization: `Basic ${Buffer.from(`${secret('key')}:${secret('secret')}`).toString('base64')}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ target_url: `${endpoint.url}/webhooks/shipstation/${ACCOUNT}?token=${secret('token')}`, event, friendly_name: `chaos ${event}` }),
    });
    if (response.status !== 201) throw new Error(`subscribing ${event} answered ${response.status}`);
  }
  const lane = (
    queueUrl: string,
    dlqUrl: string,
    count: number,
    options: { functionName: string; handler: SqsHandler; batchSize: number; timeoutMs?: number },
  ): Lane => ({
    queueUrl,
    dlqUrl,
    consumers: Array.from({ length: count }, () => consumeQueue({ sqs: aws.sqs, queueUrl, ...options })),
  });
  lanes = [
    lane(aws.queues.notifications, aws.queues.notificationsDlq, FETCH_CONSUMERS, { functionName: 'fetch-resource', handler: fetchResources, batchSize: 5 }),
    lane(aws.queues.polls, aws.queues.pollsDlq, 1, { functionName: 'poll-shipstation', handler: counted(handlers.poll), batchSize: 1, timeoutMs: 900_000 }),
    lane(aws.queues.history, aws.queues.historyDlq, 1, { functionName: 'publish-history', handler: counted(handlers.history), batchSize: 10 }),
    lane(aws.queues.updates, aws.queues.updatesDlq, PUBLISH_CONSUMERS, { functionName: 'publish-events', handler: publishEvents, batchSize: 10 }),
  ];
  // The account's first poll (an import of an empty shop) sets its cursor, so the rounds are polled live.
  await handlers.schedule({} as never, lambdaContext('schedule-polls'));
  await drain(true);
}, 120_000);

afterAll(async () => {
  globalThis.fetch = realFetch;
  await Promise.all(victims.map((v) => v.container.stop()));
  await endpoint?.close();
  await Promise.all([shop?.close(), klaviyo?.close()]);
  await aws?.close();
});

describe('chaos', () => {
  it('delivers every observable status change of 2,000 orders to Klaviyo exactly once and never stale, through webhooks repeated up to three times, polls, ShipStation and Klaviyo 429/5xx/timeouts, SQS redeliveries, lost deletes, out-of-order snapshots and killed consumers; only the planted poison reaches the DLQs', async () => {
    const started = Date.now();
    const random = seededRandom(SEED);
    // Its own sequence, so the shop's rounds stay what they were.
    const contactRandom = seededRandom(SEED + 3);
    /** Gift orders: the buyer's name, and what of the recipient must never reach a profile. */
    const gifts = new Map<number, { buyer: string; recipientPhone: string; recipientCity: string }>();
    const plans = planShop(random);
    const labels = new Map<number, LabelRecord>();
    const fulfillments = new Map<number, FulfillmentRecord>();
    const observations: Map<number, Observation>[] = [];
    const containers = await Promise.all([Container.start(), Container.start(), Container.start()]);

    // The victims, all in round 1 (their claims' leases run out while the rounds go on): an order's Awaiting Shipment,
    // a label's Order Shipped (bought in the round the order came in), and a hold (put on in that round too).
    const firstOf = (predicate: (plan: Plan) => boolean): Plan => {
      const found = plans.find(predicate);
      if (found === undefined) throw new Error('no plan for a victim');
      return found;
    };
    const statusVictim = firstOf(
      (p) => p.rounds[0] === 1 && p.steps[0]?.kind === 'import' && p.steps[0].status === 'awaiting_shipment' && (p.rounds[1] ?? 99) >= 3,
    );
    const labelVictim = firstOf((p) => p.life === 'shippedByLabel' && p.rounds.length === 2 && p.rounds[0] === 1 && p.rounds[1] === 1);
    const holdVictim = firstOf((p) => p.life === 'heldThenReleased' && p.rounds[0] === 1 && p.rounds[1] === 1);
    const victimPlans = new Set([statusVictim, labelVictim, holdVictim]);

    // Act: the rounds.
    faultsOn = true;
    for (let round = 1; round <= ROUNDS; round += 1) {
      // The shop acts: imports in batches first, then every other step of the round, orders interleaved.
      const importing = plans.filter((p) => p.rounds[0] === round);
      for (let i = 0; i < importing.length;) {
        const batch = importing.slice(i, i + 1 + Math.floor(random() * 25));
        i += batch.length;
        // Contacts as the shop history mixes them (gifts, bill-to phones without a country, blank names, abroad).
        const drawn = batch.map((_p, k) => drawOrderContact(counts.orders + k, contactRandom));
        const created = shop.importOrders(batch.map((p, k) => ({ status: (p.steps[0] as { status: OrderStatus }).status, ...drawn[k]?.input })));
        created.forEach((order, k) => {
          (batch[k] as Plan).orderId = order.orderId;
          if (drawn[k]?.kind === 'gift')
            gifts.set(order.orderId, { buyer: order.billTo.name ?? '', recipientPhone: order.shipTo.phone ?? '', recipientCity: order.shipTo.city ?? '' });
        });
        counts.importBatches += 1;
        counts.orders += created.length;
      }
      const acting = plans.filter((p) => p.orderId !== undefined && p.rounds.some((r, k) => k > 0 && r === round));
      for (let i = acting.length - 1; i > 0; i -= 1) {
        const j = Math.floor(random() * (i + 1));
        [acting[i], acting[j]] = [acting[j] as Plan, acting[i] as Plan];
      }
      for (const plan of acting) {
        plan.steps.forEach((step, k) => {
          if (k > 0 && plan.rounds[k] === round) act(plan, step, round);
        });
      }
      if (round === 1) {
        const statusOrderId = statusVictim.orderId as number;
        const shipmentId = labelVictim.labels[0] as number;
        const holdOrderId = holdVictim.orderId as number;
        const victim = (name: string, container: Container | undefined, uniqueIdPrefix: string, matches: Victim['matches']): Victim => ({
          name,
          container: container as Container,
          uniqueIdPrefix,
          matches,
          armed: true,
          busy: false,
          turn: Promise.resolve(),
        });
        victims.push(
          victim(
            'Order Awaiting Shipment',
            containers[0],
            `ss:${ACCOUNT}:order:${statusOrderId}:awaiting_shipment:`,
            (s) => s.kind === 'order' && s.orderId === statusOrderId && s.status === 'awaiting_shipment',
          ),
          victim(
            'Order Shipped',
            containers[1],
            uniqueIds.shipment(ACCOUNT, shipmentId, 'shipped'),
            (s) => s.kind === 'shipment' && s.shipmentId === shipmentId,
          ),
          victim(
            'Order On Hold',
            containers[2],
            `ss:${ACCOUNT}:order:${holdOrderId}:on_hold:`,
            (s) => s.kind === 'order' && s.orderId === holdOrderId && s.status === 'on_hold',
          ),
        );
      }
      const lastActionAt = Date.now();
      observations.push(
        new Map(
          plans
            .filter((p) => p.orderId !== undefined)
            .map((p) => {
              const order = shop.getOrder(p.orderId as number);
              return [order.orderId, { status: order.orderStatus, modifyDate: order.modifyDate }];
            }),
        ),
      );

      // Poison, planted once the first snapshots exist (an unknown account's needs a real body to copy).
      if (round === 1) await plantPoison();

      // Then the webhooks, a scheduled poll (its window must end after the last action: whole seconds), the queues.
      const progressBefore = progress;
      await shop.flushWebhooks();
      await sleep(Math.max(0, lastActionAt + 1100 - Date.now()));
      await handlers.schedule({} as never, lambdaContext('schedule-polls'));
      counts.polls += 1;
      await drain(false);
      if (round === 1) await plantUpdatePoison();
      if (round >= 2) await replayOldSnapshots(victimPlans, labels);
      counts.timeline.push({ round, settledAt: Math.round((Date.now() - started) / 100) / 10, messages: progress - progressBefore });
    }

    // After the activity: two more polls, each run until every queue is empty, dead workers' leases included.
    await sleep(1100);
    for (let poll = 0; poll < 2; poll += 1) {
      const progressBefore = progress;
      await handlers.schedule({} as never, lambdaContext('schedule-polls'));
      counts.polls += 1;
      await drain(true);
      counts.timeline.push({ round: 'final', settledAt: Math.round((Date.now() - started) / 100) / 10, messages: progress - progressBefore });
    }
    const runtimeSeconds = (Date.now() - started) / 1000;

    // Assess
    const expected = expectedEvents(plans, observations, labels, fulfillments);
    const events = klaviyo.events;
    const sent = events.map((e) => e.uniqueId ?? '(none)');
    const sentSet = new Set(sent);
    const missed = [...expected].filter((id) => !sentSet.has(id)).sort();
    const unexpected = sent.filter((id) => !expected.has(id)).sort();
    const duplicateIds = sent.length - sentSet.size;
    const logicalDuplicates = findLogicalDuplicates(events);
    const stale = findStale(events);
    const invalidBodies = klaviyo.requests.flatMap((r) =>
      r.path === '/api/events' ? validateKlaviyoBody('create-event', r.body) : validateKlaviyoBody('bulk-create-events', r.body),
    );
    const dlq = {
      notifications: await receiveAll(aws.queues.notificationsDlq),
      updates: await receiveAll(aws.queues.updatesDlq),
      history: await receiveAll(aws.queues.historyDlq),
      polls: await receiveAll(aws.queues.pollsDlq),
    };
    const resends = countResends();
    for (const kill of counts.kills) kill.ledgerAtEnd = await ledgerStatus(aws, kill.uniqueId, ACCOUNT);

    console.log(
      JSON.stringify(
        {
          runtimeSeconds,
          orders: counts.orders,
          lives: Object.fromEntries(Object.keys(LIVES).map((life) => [life, plans.filter((p) => p.life === life).length])),
          importBatches: counts.importBatches,
          actions: counts.actions,
          webhooks: counts.webhooks,
          webhookEndpointStatuses: tally(endpoint.statuses.map(String)),
          polls: counts.polls,
          timeline: counts.timeline,
          events: { expected: expected.size, recorded: events.length, byMetric: tally(events.map((e) => e.metric)) },
          klaviyoRequests: tally(klaviyo.requests.map((r) => String(r.status))),
          klaviyoDuplicatesDropped: klaviyo.duplicatesDropped,
          resends,
          shipStationRequests: tally(shop.requests.map((r) => String(r.status))),
          faults: { shipStation: counts.shipStationFaults, klaviyo: counts.klaviyoFaults, sqs: counts.sqs, kills: counts.kills },
          poison: { notifications: counts.poison.notifications.length, updates: counts.poison.updates.length, refusedWebhooks: counts.poison.refusedWebhooks },
          dlq: Object.fromEntries(Object.entries(dlq).map(([name, bodies]) => [name, bodies.length])),
        },
        null,
        1,
      ),
    );

    expect(missed).toEqual([]);
    expect(unexpected).toEqual([]);
    expect(duplicateIds).toBe(0);
    expect(logicalDuplicates).toEqual([]);
    expect(stale).toEqual([]);
    expect(invalidBodies).toEqual([]);
    // Nothing in the DLQs but the poison, and no event dead-lettered.
    expect([...dlq.notifications].sort()).toEqual([...counts.poison.notifications].sort());
    expect([...dlq.updates].sort()).toEqual([...counts.poison.updates].sort());
    expect(counts.poison.refusedWebhooks).toBe(3);
    expect(dlq.history).toEqual([]);
    expect(dlq.polls).toEqual([]);
    expect(await deadLetters(aws, ACCOUNT)).toEqual([]);
    // Each kill happened after Klaviyo accepted the event and before our ledger learnt it; the event is in Klaviyo once.
    expect(counts.kills.map((k) => k.ledgerAfterKill)).toEqual(['PENDING', 'PENDING', 'PENDING']);
    for (const kill of counts.kills) expect(sent.filter((id) => id === kill.uniqueId)).toHaveLength(1);
    // The dead claims were taken over once their lease ran out: a label's event (never stale) was sent again and is SENT.
    expect(counts.kills.find((k) => k.victim === 'Order Shipped')?.ledgerAtEnd).toBe('SENT');
    expect(counts.kills.every((k) => k.ledgerAtEnd === 'SENT' || k.ledgerAtEnd === 'PENDING')).toBe(true);
    // Every repeat Klaviyo absorbed is explained: a send whose answer was lost, or a dead worker's event sent again.
    expect(resends.unexplained).toEqual([]);
    expect(klaviyo.duplicatesDropped).toBe(resends.afterLostAnswer + resends.afterSlowAnswer + resends.afterKill);
    expect(counts.orders).toBeGreaterThanOrEqual(2000);
    // Every event of a gift order went to its buyer: the buyer's first name, nothing of the recipient.
    const giftEvents = events.filter((e) => gifts.has(Number(e.properties.OrderId)));
    expect(gifts.size).toBeGreaterThan(20);
    expect(giftEvents.length).toBeGreaterThan(gifts.size);
    const leaks = giftEvents.filter((e) => {
      const gift = gifts.get(Number(e.properties.OrderId));
      const profile = JSON.stringify(e.profile);
      return (
        gift === undefined ||
        e.profile.first_name !== gift.buyer.split(' ')[0] ||
        profile.includes(gift.recipientCity) ||
        (gift.recipientPhone !== '' && profile.includes(gift.recipientPhone.replace(/\D/g, '')))
      );
    });
    expect(leaks.map((e) => `${e.metric} ${String(e.properties.OrderId)}`)).toEqual([]);

    function act(plan: Plan, step: Step, round: number): void {
      const orderId = plan.orderId as number;
      countAction(step.kind === 'status' ? `status:${step.status}` : step.kind === 'label' && step.isReturnLabel ? 'returnLabel' : step.kind);
      switch (step.kind) {
        case 'import':
          return;
        case 'edit':
          if (random() < 0.5) shop.editOrder(orderId, { shipTo: { street2: `Apt ${1 + Math.floor(random() * 40)}` } });
          else shop.editOrder(orderId, { internalNotes: 'Customer asked to ship with the next batch' });
          return;
        case 'status':
          shop.setOrderStatus(orderId, step.status);
          return;
        case 'label': {
          const shipment = shop.createLabel(orderId, {
            carrierCode: ['stamps_com', 'ups_walleted', 'fedex'][plan.index % 3] as string,
            isReturnLabel: step.isReturnLabel,
          });
          if (!step.isReturnLabel) plan.labels.push(shipment.shipmentId);
          labels.set(shipment.shipmentId, { shipmentId: shipment.shipmentId, orderId, isReturnLabel: step.isReturnLabel, createdIn: round });
          return;
        }
        case 'voidLabel': {
          const shipmentId = plan.labels.pop() as number;
          shop.voidLabel(shipmentId);
          (labels.get(shipmentId) as LabelRecord).voidedIn = round;
          return;
        }
        case 'markAsShipped':
        case 'providerShipped': {
          const fulfillment = step.kind === 'markAsShipped' ? shop.markAsShipped(orderId) : shop.fulfillmentProviderShipped(orderId);
          plan.fulfillments.push(fulfillment.fulfillmentId);
          fulfillments.set(fulfillment.fulfillmentId, { fulfillmentId: fulfillment.fulfillmentId, orderId, createdIn: round });
          return;
        }
        case 'voidFulfillment': {
          const fulfillmentId = plan.fulfillments.pop() as number;
          shop.voidFulfillment(fulfillmentId);
          (fulfillments.get(fulfillmentId) as FulfillmentRecord).voidedIn = round;
          return;
        }
        case 'providerRejected':
          shop.fulfillmentProviderRejected(orderId);
          return;
      }
    }
  }, 600_000); // hang guards, not timing checks: CI runs this beside other suites on 2 cores

  // The retry window: a webhook's fetch that fails its in-invocation retries comes back in seconds (its backoff), not
  // after the queue's visibility timeout (30 minutes here, as fetch-resource's in AWS), so an order labelled soon after
  // still had its Awaiting Shipment sent first.
  it('sends Order Awaiting Shipment and then Order Shipped, once each, when the ORDER_NOTIFY fetch fails four times before the order is labelled', async () => {
    // Prepare
    faultsOn = false;
    await aws.sqs.send(new SetQueueAttributesCommand({ QueueUrl: aws.queues.notifications, Attributes: { VisibilityTimeout: '1800' } }));
    const dlqBefore = await depthOf(aws.queues.notificationsDlq);
    const requestsBefore = shop.requests.length;
    const [order] = shop.importOrders([{ status: 'awaiting_shipment', ...drawOrderContact(counts.orders, seededRandom(SEED + 7)).input }]);
    if (order === undefined) throw new Error('no order imported');
    const eventsOf = (): AcceptedEvent[] => klaviyo.events.filter((e) => Number(e.properties.OrderId) === order.orderId);

    try {
      // Act: ShipStation answers 503 to the fetch's four attempts, then recovers; the order is labelled once its
      // confirmation went out (in production: minutes later, long before the 30-minute visibility timeout).
      shop.failNext(4, 503);
      await shop.flushWebhooks();
      await drain(false);
      const beforeLabel = eventsOf().map((e) => e.metric);
      shop.createLabel(order.orderId, { carrierCode: 'stamps_com' });
      await shop.flushWebhooks();
      await drain(false);

      // Assess
      const fetches = shop.requests.slice(requestsBefore).filter((r) => r.path === '/orders');
      expect(fetches.slice(0, 5).map((r) => r.status)).toEqual([503, 503, 503, 503, 200]);
      expect(beforeLabel).toEqual(['Order Awaiting Shipment']);
      expect(eventsOf().map((e) => e.metric)).toEqual(['Order Awaiting Shipment', 'Order Shipped']);
      expect(new Set(eventsOf().map((e) => e.uniqueId)).size).toBe(2);
      expect(await depthOf(aws.queues.notificationsDlq)).toBe(dlqBefore);
    } finally {
      await aws.sqs.send(new SetQueueAttributesCommand({ QueueUrl: aws.queues.notifications, Attributes: { VisibilityTimeout: String(VISIBILITY_SECONDS) } }));
    }
  }, 300_000);

  // A two-hour Klaviyo outage on a simulated clock: six rounds of shop activity, 20 minutes apart (the process's Date is
  // moved on between rounds; timers run in real time), each with its webhooks and a scheduled poll, while Klaviyo
  // answers 503 to everything. Nothing may reach a DLQ, nothing may need a manual step, and after recovery every event
  // goes out once, live, in order per order.
  it('holds every event through a 2-hour Klaviyo 503 outage and delivers each once, live and in order, by itself after recovery', async () => {
    // Prepare
    faultsOn = false;
    const random = seededRandom(SEED + 11);
    const held = new DynamoDbHeldEventStore(aws.dynamodb, aws.tableName);
    const dlqBefore = await Promise.all(lanes.map((lane) => depthOf(lane.dlqUrl)));
    const acceptedBefore = klaviyo.events.length;
    const observed = new Map<number, { status: OrderStatus; modifyDate: string }[]>();
    const shipped: number[] = [];
    const observe = (orderIds: number[]): void => {
      for (const orderId of orderIds) {
        const order = shop.getOrder(orderId);
        const seen = observed.get(orderId) ?? [];
        if (seen.at(-1)?.status !== order.orderStatus) seen.push({ status: order.orderStatus, modifyDate: order.modifyDate });
        observed.set(orderId, seen);
      }
    };
    const round = async (act: () => void, orderIds: () => number[]): Promise<void> => {
      act();
      const lastActionAt = Date.now();
      observe(orderIds());
      await shop.flushWebhooks();
      await sleep(Math.max(0, lastActionAt + 1100 - Date.now()));
      await handlers.schedule({} as never, lambdaContext('schedule-polls'));
      await drain(false);
      jest.setSystemTime(Date.now() + 20 * 60_000);
    };
    jest.useFakeTimers({
      advanceTimers: true,
      now: Date.now(),
      doNotFake: [
        'hrtime',
        'nextTick',
        'performance',
        'queueMicrotask',
        'requestAnimationFrame',
        'cancelAnimationFrame',
        'requestIdleCallback',
        'cancelIdleCallback',
        'setImmediate',
        'clearImmediate',
        'setInterval',
        'clearInterval',
        'setTimeout',
        'clearTimeout',
      ],
    });
    const outageStart = Date.now();
    klaviyoDown = true;
    let orders: number[] = [];

    try {
      // Act: the outage, 6 × 20 minutes
      await round(
        () => {
          orders = shop
            .importOrders(
              Array.from({ length: 24 }, (_, k) => ({
                status: (k < 8 ? 'awaiting_payment' : 'awaiting_shipment') as OrderStatus,
                ...drawOrderContact(counts.orders + k, random).input,
              })),
            )
            .map((o) => o.orderId);
          counts.orders += orders.length;
        },
        () => orders,
      );
      await round(
        () => {
          for (const orderId of orders.slice(0, 8)) shop.setOrderStatus(orderId, 'awaiting_shipment');
          for (const orderId of orders.slice(8, 14)) shop.setOrderStatus(orderId, 'on_hold');
        },
        () => orders,
      );
      await round(
        () => {
          for (const orderId of orders.slice(14, 22)) shipped.push(shop.createLabel(orderId, { carrierCode: 'ups_walleted' }).shipmentId);
        },
        () => orders,
      );
      await round(
        () => {
          for (const orderId of orders.slice(8, 14)) shop.setOrderStatus(orderId, 'awaiting_shipment');
          for (const orderId of orders.slice(22, 24)) shop.setOrderStatus(orderId, 'cancelled');
        },
        () => orders,
      );
      await round(
        () => {
          for (const orderId of orders.slice(0, 6)) shipped.push(shop.createLabel(orderId, { carrierCode: 'fedex' }).shipmentId);
        },
        () => orders,
      );
      await round(
        () => undefined,
        () => orders,
      );
      const duringOutage = klaviyo.events.length - acceptedBefore;
      const heldDuringOutage = await held.count(ACCOUNT);
      const outageMinutes = (Date.now() - outageStart) / 60_000;
      // Recovery: Klaviyo answers again; only what the service schedules by itself runs from here.
      klaviyoDown = false;
      await handlers.schedule({} as never, lambdaContext('schedule-polls'));
      await drain(false);

      // Assess
      const expected = new Set<string>();
      for (const [orderId, seen] of observed) {
        for (const { status, modifyDate } of seen) {
          if (STATUS_METRICS[status] !== undefined) expected.add(uniqueIds.orderStatus(ACCOUNT, orderId, status, pacificToUtc(modifyDate) as string));
        }
      }
      for (const shipmentId of shipped) expected.add(uniqueIds.shipment(ACCOUNT, shipmentId, 'shipped'));
      const mine = new Set(orders);
      const delivered = klaviyo.events.slice(acceptedBefore).filter((e) => mine.has(Number(e.properties.OrderId)));
      const ids = delivered.map((e) => e.uniqueId ?? '');
      expect(outageMinutes).toBeGreaterThanOrEqual(120);
      expect(duringOutage).toBe(0);
      expect(heldDuringOutage).toBe(expected.size);
      expect(new Set(ids)).toEqual(expected);
      expect(ids).toHaveLength(expected.size);
      expect(delivered.filter((e) => e.backfill)).toEqual([]);
      for (const orderId of orders) {
        const times = delivered.filter((e) => Number(e.properties.OrderId) === orderId).map((e) => e.time ?? '');
        expect({ orderId, times }).toEqual({ orderId, times: [...times].sort() });
      }
      expect(await held.count(ACCOUNT)).toBe(0);
      expect(await Promise.all(lanes.map((lane) => depthOf(lane.dlqUrl)))).toEqual(dlqBefore);
      expect(await deadLetters(aws, ACCOUNT)).toEqual([]);
    } finally {
      klaviyoDown = false;
      jest.useRealTimers();
    }
  }, 600_000);
});

/** Malformed notifications, and webhooks the endpoint must refuse before anything is queued. */
async function plantPoison(): Promise<void> {
  const notifications = [
    'this is not JSON',
    JSON.stringify({ accountId: ACCOUNT }),
    JSON.stringify({
      accountId: 'nobody',
      resourceUrl: `${shop.baseUrl}/orders?importBatch=x`,
      resourceType: 'ORDER_NOTIFY',
      receivedAt: new Date().toISOString(),
    }),
    JSON.stringify({
      accountId: ACCOUNT,
      resourceUrl: 'https://attacker.example.com/orders?importBatch=x',
      resourceType: 'ORDER_NOTIFY',
      receivedAt: new Date().toISOString(),
    }),
  ];
  for (const body of notifications) poisonIds.add(await send(aws.queues.notifications, body));
  counts.poison.notifications = notifications;
  const webhook = (path: string, body: string): Promise<Response> =>
    globalThis.fetch(`${endpoint.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
  const refused = await Promise.all([
    webhook(`/webhooks/shipstation/${ACCOUNT}?token=${secret('token')}`, '{"resource_url": '),
    webhook(
      `/webhooks/shipstation/${ACCOUNT}?token=${secret('token')}`,
      JSON.stringify({ resource_url: 'https://attacker.example.com/x', resource_type: 'SHIP_NOTIFY' }),
    ),
    webhook(
      `/webhooks/shipstation/${ACCOUNT}?token=wrong-token-0123456789`,
      JSON.stringify({ resource_url: `${shop.baseUrl}/shipments?batchId=1`, resource_type: 'SHIP_NOTIFY' }),
    ),
  ]);
  counts.poison.refusedWebhooks = refused.filter((r) => r.status >= 400 && r.status < 500).length;
}

/** Malformed snapshots on the updates queue (one of them a real snapshot of an account nobody configured). */
async function plantUpdatePoison(): Promise<void> {
  const real = [...seenOrderSnapshots.values()]
    .flatMap((byDate) => [...byDate.values()])
    .find((body) => !victims.some((v) => v.matches(summarize(body) as SnapshotSummary))) as string;
  const updates = ['{', '[]', JSON.stringify({ kind: 'order', accountId: ACCOUNT }), JSON.stringify({ ...JSON.parse(real), accountId: 'nobody' })];
  for (const body of updates) poisonIds.add(await send(aws.queues.updates, body));
  counts.poison.updates = updates;
}

/** Puts older snapshots of orders (and live copies of since-voided labels) back on the updates queue. */
async function replayOldSnapshots(exclude: Set<Plan>, labels: Map<number, LabelRecord>): Promise<void> {
  // Its own sequence: which snapshots were seen first depends on timing, and must not change the shop's later rounds.
  const random = replays;
  const excluded = new Set([...exclude].map((p) => p.orderId));
  const candidates = [...seenOrderSnapshots.entries()].filter(([orderId, byDate]) => byDate.size > 1 && !excluded.has(orderId));
  for (let i = 0; i < REPLAYS_PER_ROUND && candidates.length > 0; i += 1) {
    const [, byDate] = candidates.splice(Math.floor(random() * candidates.length), 1)[0] as [number, Map<string, string>];
    const older = [...byDate.keys()].sort().slice(0, -1);
    await send(aws.queues.updates, byDate.get(older[Math.floor(random() * older.length)] as string) as string);
    counts.sqs.replayedSnapshots += 1;
  }
  const voided = [...seenLiveShipments.entries()].filter(([shipmentId]) => labels.get(shipmentId)?.voidedIn !== undefined);
  for (const [shipmentId, body] of voided.slice(0, 5)) {
    await send(aws.queues.updates, body);
    seenLiveShipments.delete(shipmentId);
    counts.sqs.replayedSnapshots += 1;
  }
}

/**
 * The events the design promises for what was observable: an order's status each time a round ends with it in a
 * status other than the one the previous observation showed (since that round's modifyDate), a label's Order Shipped
 * unless it was voided in the round it was bought, its Shipment Voided when voided in a later round, a return label's
 * Return Label Created, a fulfilment's Order Shipped unless voided in its own round. A fulfilment voided later sends
 * nothing: V1 lists fulfilments by creation date only, so no poll sees the void.
 */
function expectedEvents(
  plans: Plan[],
  observations: Map<number, Observation>[],
  labels: Map<number, LabelRecord>,
  fulfillments: Map<number, FulfillmentRecord>,
): Set<string> {
  const expected = new Set<string>();
  for (const plan of plans) {
    if (plan.orderId === undefined) continue;
    let previous: OrderStatus | undefined;
    for (const round of observations) {
      const seen = round.get(plan.orderId);
      if (seen === undefined || seen.status === previous) continue;
      previous = seen.status;
      if (STATUS_METRICS[seen.status] !== undefined)
        expected.add(uniqueIds.orderStatus(ACCOUNT, plan.orderId, seen.status, pacificToUtc(seen.modifyDate) as string));
    }
  }
  for (const l of labels.values()) {
    if (l.voidedIn === l.createdIn) continue;
    expected.add(uniqueIds.shipment(ACCOUNT, l.shipmentId, l.isReturnLabel ? 'return' : 'shipped'));
    if (l.voidedIn !== undefined && !l.isReturnLabel) expected.add(uniqueIds.shipment(ACCOUNT, l.shipmentId, 'voided'));
  }
  for (const f of fulfillments.values()) {
    if (f.voidedIn !== f.createdIn) expected.add(uniqueIds.fulfillment(ACCOUNT, f.fulfillmentId, 'shipped'));
  }
  return expected;
}

/**
 * Events that say the same thing under different unique ids: the same status of an order at the same time, or twice
 * in a row with nothing of that order in between; a label or fulfilment shipped or voided twice.
 */
function findLogicalDuplicates(events: AcceptedEvent[]): string[] {
  const found: string[] = [];
  const keys = new Set<string>();
  for (const e of events) {
    const p = e.properties;
    const key = [e.metric, p.OrderId, p.Status, p.ShipmentId ?? p.FulfillmentId, p.Status === undefined ? '' : e.time].join('|');
    if (keys.has(key)) found.push(key);
    keys.add(key);
  }
  const byOrder = new Map<string, AcceptedEvent[]>();
  for (const e of events) byOrder.set(String(e.properties.OrderId), [...(byOrder.get(String(e.properties.OrderId)) ?? []), e]);
  for (const [orderId, list] of byOrder) {
    const timeline = [...list].sort((a, b) => (a.time ?? '').localeCompare(b.time ?? ''));
    for (let i = 1; i < timeline.length; i += 1) {
      const [a, b] = [timeline[i - 1] as AcceptedEvent, timeline[i] as AcceptedEvent];
      if (a.properties.Status !== undefined && a.metric === b.metric) found.push(`order ${orderId}: ${a.metric} twice in a row (${a.time}, ${b.time})`);
    }
  }
  return found;
}

/** Status events Klaviyo received after an event of the same order that happened later (stale). */
function findStale(events: AcceptedEvent[]): string[] {
  const latest = new Map<string, string>();
  const found: string[] = [];
  for (const e of events) {
    const orderId = String(e.properties.OrderId);
    const isStatus = e.properties.Status !== undefined;
    const time = e.time ?? '';
    const before = latest.get(orderId);
    if (isStatus && before !== undefined && time < before) found.push(`order ${orderId}: ${e.metric} at ${time} after an event at ${before}`);
    if (isStatus || e.metric === 'Order Shipped') latest.set(orderId, before === undefined || time > before ? time : before);
  }
  return found;
}

/**
 * Requests Klaviyo accepted again for an event it already had (its unique_id dedupe dropped them), by cause: our side
 * gave up on an earlier send that Klaviyo had accepted (the injected timeouts after acceptance, or an answer slower
 * than HTTP_TIMEOUT_MS on a busy machine), or the worker that sent it was killed before it could record the send.
 * Anything else would be a send our side knew was done, made again.
 */
function countResends(): { afterLostAnswer: number; afterSlowAnswer: number; afterKill: number; unexplained: string[] } {
  const killed = new Set(counts.kills.map((k) => k.uniqueId));
  const injectedLostAnswers = new Set<string>();
  const result = { afterLostAnswer: 0, afterSlowAnswer: 0, afterKill: 0, unexplained: [] as string[] };
  if (klaviyoLog.length !== klaviyo.requests.length) throw new Error('the Klaviyo fault log and the requests do not line up');
  klaviyo.requests.forEach((request, i) => {
    const entry = klaviyoLog[i] as { fault?: KlaviyoFault; droppedBefore: number };
    // A request is served synchronously once its fault is drawn, so the drops until the next draw are its own.
    // Each drop by its own unique_id: a bulk request (a release of held events) carries many.
    const dropped = klaviyo.droppedUniqueIds.slice(entry.droppedBefore, klaviyoLog[i + 1]?.droppedBefore ?? klaviyo.duplicatesDropped);
    const uniqueId = uniqueIdOf(request.body);
    for (const droppedId of dropped) {
      const abandonedBefore = (abandonedSends.get(droppedId) ?? []).some((at) => at <= i);
      if (injectedLostAnswers.has(droppedId)) result.afterLostAnswer += 1;
      else if (abandonedBefore) result.afterSlowAnswer += 1;
      else if (killed.has(droppedId)) result.afterKill += 1;
      else result.unexplained.push(droppedId);
    }
    if (entry.fault !== undefined && 'hang' in entry.fault && entry.fault.hang === 'after-accepting') injectedLostAnswers.add(uniqueId);
  });
  return result;
}

function tally(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const value of values) out[value] = (out[value] ?? 0) + 1;
  return out;
}
