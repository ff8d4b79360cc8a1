// `reconcile` in-process against the local DynamoDB/SQS stand-ins and the ShipStation and Klaviyo simulators, configured
// like a deployed stage: a generated shop history is imported by the real poll and publishers; then a change the poll
// read but whose message was lost, and changes the poll has not read yet, are reported exactly (exit 1); --fix enqueues
// them, the real consumers send them, and a second reconcile finds nothing missing with each event in Klaviyo once.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { DynamoDbEventLedger } from '../../lib/adapters/dynamodb-event-ledger.js';
import { main } from '../../lib/cli/main.js';
import { uniqueIds } from '../../lib/domain/event-mapping.js';
import { startLocalAws, type LocalAws } from '../../lib/local/aws-stand-ins.js';
import { lambdaContext } from '../../lib/local/lambda-runtime.js';
import { KlaviyoSimulator } from '../../lib/local/simulators/klaviyo-simulator.js';
import { buildShopHistory, type ShopHistory, type ShopHistoryOrder } from '../../lib/local/simulators/shop-history.js';
import { ShipStationSimulator, type OrderStatus } from '../../lib/local/simulators/shipstation-simulator.js';
import { pacificToUtc } from '../../lib/normalise/pacific-time.js';
import { runUntilIdle, sqsEvent } from '../helpers/handler-env.js';
import { ShopClock } from '../helpers/shop-clock.js';

type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

const KEY = 'reconcile-shipstation-key-0123456789';
const SECRET = 'reconcile-shipstation-secret-0123456789';
const KLAVIYO_KEYS = { acme: 'acme-klaviyo-key-0123456789', manual: 'manual-klaviyo-key-0123456789' } as const;
/** The simulator's two stores: most orders are in the first; the `manual` account only wants the second. */
const MAIN_STORE = 310001;
const MANUAL_STORE = 310002;

let aws: LocalAws;
let shipStation: ShipStationSimulator;
let klaviyo: KlaviyoSimulator;
let history: ShopHistory;
let handlers: { poll: SqsHandler; history: SqsHandler; updates: SqsHandler };

/** Runs the CLI and returns its exit code with everything it wrote. */
async function cli(...argv: string[]): Promise<{ code: number; output: string }> {
  const written: string[] = [];
  const code = await main(argv, { write: (text) => written.push(text) });
  return { code, output: written.join('') };
}

/** Runs one poll job for an account, as the polls queue would hand it over. */
async function pollJob(accountId: string): Promise<void> {
  await handlers.poll(sqsEvent([{ accountId, reason: 'schedule' }], accountId), lambdaContext('poll-shipstation', 900_000));
}

/** Runs the consumers until every queue is empty, as the deployed event source mappings would. */
async function drain(): Promise<void> {
  await runUntilIdle(aws, [
    { queueUrl: aws.queues.polls, functionName: 'poll-shipstation', handler: handlers.poll, batchSize: 1, timeoutMs: 900_000 },
    { queueUrl: aws.queues.history, functionName: 'publish-history', handler: handlers.history, batchSize: 10 },
    { queueUrl: aws.queues.updates, functionName: 'publish-events', handler: handlers.updates, batchSize: 10 },
  ]);
}

/** Deletes every message of a queue unread (lost, as if it sat in a dead-letter queue); returns their bodies. */
async function discard(queueUrl: string): Promise<string[]> {
  const bodies: string[] = [];
  for (;;) {
    const { Messages = [] } = await aws.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 30 }),
    );
    if (Messages.length === 0) return bodies;
    for (const message of Messages) {
      bodies.push(message.Body ?? '');
      await aws.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
    }
  }
}

const nextSecond = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1100)); // ShipStation filters have whole seconds
const storeOf = (orderId: number): number => shipStation.getOrder(orderId).advancedOptions.storeId;
const eventsOf = (accountId: keyof typeof KLAVIYO_KEYS): { uniqueId?: string; metric: string }[] =>
  klaviyo.events.filter((e) => e.privateKey === KLAVIYO_KEYS[accountId]);
const modifiedAt = (orderId: number): string => pacificToUtc(shipStation.getOrder(orderId).modifyDate) as string;

/** The unique ids printed at the end of the lines of one section (`missing (N):` or `extra (N):`) of one account's report. */
function listed(output: string, section: 'missing' | 'extra'): string[] {
  const match = new RegExp(`\\n {2}${section} \\(\\d+\\):\\n((?: {4}.*\\n)+)`).exec(output);
  return (match?.[1] ?? '')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => /\[([^\]]+)\]$/.exec(line)?.[1] ?? line);
}

/** The row of one status or label kind: in ShipStation, owed, sent, missing, dead-lettered, held, in flight. */
function row(output: string, name: string): number[] | undefined {
  const match = new RegExp(`^ {2}${name} +([\\d–]+(?: +[\\d–]+){6})$`, 'm').exec(output);
  return match?.[1]?.split(/ +/).map((cell) => (cell === '–' ? 0 : Number(cell)));
}

beforeAll(async () => {
  aws = await startLocalAws({ visibilityTimeoutSeconds: 1, maxReceiveCount: 3 });
  klaviyo = await KlaviyoSimulator.start({ privateKeys: Object.values(KLAVIYO_KEYS) });
  const clock = new ShopClock();
  shipStation = await ShipStationSimulator.start({ apiKey: KEY, apiSecret: SECRET, now: () => clock.now() });
  const dir = mkdtempSync(join(tmpdir(), 'reconcile-test-'));
  const accountsFile = join(dir, 'accounts.json');
  // Two accounts on one ShipStation: `acme` takes every store, `manual` only its own (one budget: one key pair).
  writeFileSync(
    accountsFile,
    JSON.stringify({
      accounts: (['acme', 'manual'] as const).map((id) => ({
        id,
        shipStation: { apiKey: KEY, apiSecret: SECRET, keyExpiresOn: '2027-06-30', baseUrl: shipStation.baseUrl },
        klaviyo: { privateKey: KLAVIYO_KEYS[id], baseUrl: klaviyo.baseUrl },
        webhookToken: `${id}-webhook-token-0123456789`,
        ...(id === 'manual' ? { storeIds: [MANUAL_STORE] } : {}),
      })),
    }),
  );
  Object.assign(process.env, aws.env, { ACCOUNTS_FILE: accountsFile, HTTP_TIMEOUT_MS: '5000', POLL_LAG_MINUTES: '0' });
  // One at a time: jest's ESM loader fails on concurrent imports that share modules.
  const poll = await import('../../functions/poll-shipstation.js');
  const publishHistory = await import('../../functions/publish-history.js');
  const publishEvents = await import('../../functions/publish-events.js');
  handlers = { poll: poll.handler, history: publishHistory.handler, updates: publishEvents.handler };

  history = buildShopHistory(shipStation, clock, { orders: 120, days: 20, end: new Date(Date.now() - 10 * 60_000), seed: 5 });
  clock.release();
  await pollJob('acme');
  await pollJob('manual');
  await drain();
}, 120_000);

afterAll(async () => {
  await Promise.all([shipStation.close(), klaviyo.close()]);
  await aws.close();
});

/** Orders of the main store in a status, for the changes below. */
function pick(status: OrderStatus, count: number, where: (order: ShopHistoryOrder) => boolean = () => true): ShopHistoryOrder[] {
  const found = history.orders.filter((o) => o.status === status && storeOf(o.orderId) === MAIN_STORE && where(o)).slice(0, count);
  if (found.length < count) throw new Error(`the history has fewer than ${count} ${status} orders in store ${MAIN_STORE}`);
  return found;
}

describe('shipstation-klaviyo reconcile', () => {
  it('finds nothing missing on a fully synced shop, with the counts per ShipStation status and label kind', async () => {
    // Act
    const acme = await cli('reconcile', '--since', '30d', '--account', 'acme');
    const all = await cli('reconcile', '--since', '30');

    // Assess
    expect(acme.code).toBe(0);
    expect(acme.output).toContain('acme  0 missing, 0 extra');
    for (const status of ['awaiting_payment', 'awaiting_shipment', 'pending_fulfillment', 'on_hold', 'cancelled', 'rejected_fulfillment'] as const) {
      const n = history.orders.filter((o) => o.status === status).length;
      expect([status, row(acme.output, status)]).toEqual([status, [n, n, n, 0, 0, 0, 0]]);
    }
    expect(row(acme.output, 'shipped')).toEqual([history.orders.filter((o) => o.status === 'shipped').length, 0, 0, 0, 0, 0, 0]);
    const live = history.shipments.filter((s) => !s.voided && !s.isReturnLabel).length;
    const returns = history.shipments.filter((s) => !s.voided && s.isReturnLabel).length;
    expect(row(acme.output, 'label')).toEqual([live, live, live, 0, 0, 0, 0]);
    expect(row(acme.output, 'return label')).toEqual([returns, returns, returns, 0, 0, 0, 0]);
    // Voided before the import read them: their Order Shipped was suppressed, so no Shipment Voided is owed.
    expect(row(acme.output, 'voided label')).toEqual([history.shipments.filter((s) => s.voided).length, 0, 0, 0, 0, 0, 0]);
    expect(all.code).toBe(0);
    expect(all.output).toContain('acme  0 missing, 0 extra');
    expect(all.output).toContain('manual  0 missing, 0 extra');
    expect(all.output).toContain('extra = sent events ShipStation now contradicts, as far as they can be detected');
  });

  it('reports exactly a change the poll read but never sent and the changes the poll has not read yet, with emails masked (exit 1)', async () => {
    // Prepare: a cancellation the poll reads, whose message is then lost.
    const [lost, held, labelled] = pick('awaiting_shipment', 3);
    const [shippedOrder] = pick('shipped', 1, (o) => o.category === 'shippedByLabel');
    if (lost === undefined || held === undefined || labelled === undefined || shippedOrder === undefined) throw new Error('unreachable');
    const voidedLabel = history.shipments.find((s) => s.orderId === shippedOrder.orderId && !s.voided && !s.isReturnLabel);
    if (voidedLabel === undefined) throw new Error(`order ${shippedOrder.orderId} has no live label`);
    await nextSecond();
    shipStation.setOrderStatus(lost.orderId, 'cancelled');
    await nextSecond();
    await pollJob('acme');
    const discarded = await discard(aws.queues.updates);
    // Then, with no poll since: a hold, a new label, and a void of a label whose Order Shipped went out.
    await nextSecond();
    shipStation.setOrderStatus(held.orderId, 'on_hold');
    const newLabel = shipStation.createLabel(labelled.orderId);
    shipStation.voidLabel(voidedLabel.shipmentId);
    await nextSecond();

    // Act
    const { code, output } = await cli('reconcile', '--since', '30d', '--account', 'acme');

    // Assess
    expect(discarded.some((body) => body.includes(`"orderId":${lost.orderId}`))).toBe(true);
    expect(code).toBe(1);
    expect(listed(output, 'missing').sort()).toEqual(
      [
        uniqueIds.orderStatus('acme', lost.orderId, 'cancelled', modifiedAt(lost.orderId)),
        uniqueIds.orderStatus('acme', held.orderId, 'on_hold', modifiedAt(held.orderId)),
        uniqueIds.orderStatus('acme', shippedOrder.orderId, 'awaiting_shipment', modifiedAt(shippedOrder.orderId)),
        uniqueIds.shipment('acme', newLabel.shipmentId, 'shipped'),
        uniqueIds.shipment('acme', voidedLabel.shipmentId, 'voided'),
      ].sort(),
    );
    expect(listed(output, 'extra')).toEqual([uniqueIds.shipment('acme', voidedLabel.shipmentId, 'shipped')]);
    expect(output).toMatch(new RegExp(`\\(id ${lost.orderId}\\) +cancelled +Order Cancelled .*never sent, though the poll has read past this change`));
    expect(output).toMatch(new RegExp(`\\(id ${held.orderId}\\) +on_hold +Order On Hold .*changed after the last poll`));
    expect(output).toContain('acme  5 missing (4 not polled yet), 1 extra');
    expect(row(output, 'on_hold')?.slice(3, 4)).toEqual([1]);
    const emails = [lost, held, labelled, shippedOrder].map((o) => o.customerEmail).filter((e): e is string => e !== null);
    expect(emails.length).toBeGreaterThan(0);
    for (const email of emails) expect(output).not.toContain(email);
  }, 120_000);

  it("respects the store filter: the other store's changes are not this account's, and ShipStation is asked for its store only", async () => {
    // Prepare
    const requestsBefore = shipStation.requests.length;

    // Act
    const { code, output } = await cli('reconcile', '--since', '30d', '--account', 'manual');

    // Assess
    expect(code).toBe(0);
    expect(output).toContain('manual  0 missing, 0 extra');
    const lists = shipStation.requests.slice(requestsBefore).filter((r) => r.path === '/orders' || r.path === '/shipments');
    expect(lists.map((r) => [r.path, r.query.storeId])).toEqual([
      ['/orders', String(MANUAL_STORE)],
      ['/shipments', String(MANUAL_STORE)],
    ]);
    const ordersOfStore = history.orders.filter((o) => storeOf(o.orderId) === MANUAL_STORE).length;
    const counted = ['awaiting_payment', 'awaiting_shipment', 'pending_fulfillment', 'shipped', 'on_hold', 'cancelled', 'rejected_fulfillment'].reduce(
      (sum, status) => sum + (row(output, status)?.[0] ?? 0),
      0,
    );
    expect(ordersOfStore).toBeGreaterThan(0);
    expect(counted).toBe(ordersOfStore);
  });

  it('--fix enqueues the missing snapshots; once the consumers ran, nothing is missing and Klaviyo has each event once', async () => {
    // Prepare
    const sentBefore = eventsOf('acme').filter((e) => e.metric !== 'Order Delayed').length;

    // Act
    const fixed = await cli('reconcile', '--since', '30d', '--account', 'acme', '--fix');
    await drain();
    const after = await cli('reconcile', '--since', '30d', '--account', 'acme');
    // The poll reads the same changes later: dedupe keeps them out of Klaviyo.
    await pollJob('acme');
    await drain();
    const afterPoll = await cli('reconcile', '--since', '30d', '--account', 'acme');

    // Assess
    expect(fixed.code).toBe(1);
    expect(fixed.output).toContain('acme  --fix: 5 snapshots enqueued (5 on the updates queue, 0 on the history queue)');
    expect(after.code).toBe(0);
    expect(after.output).toContain('acme  0 missing, 0 extra');
    expect(afterPoll.code).toBe(0);
    expect(afterPoll.output).toContain('acme  0 missing, 0 extra');
    // The scheduled poll job also sweeps delay checks: orders of the shop that came due unshipped today get their
    // Order Delayed (reconcile compares status and shipping events only).
    const all = eventsOf('acme').map((e) => e.uniqueId);
    const ids = eventsOf('acme')
      .filter((e) => e.metric !== 'Order Delayed')
      .map((e) => e.uniqueId);
    expect(ids).toHaveLength(sentBefore + 5);
    expect(new Set(all).size).toBe(all.length);
    expect(klaviyo.duplicatesDropped).toBe(0);
  }, 120_000);

  it.each([
    [['reconcile'], 'error: reconcile needs --since <N>d (e.g. --since 7d)'],
    [['reconcile', '--since', '0d'], 'error: --since must be a number of days from 1 to 90, like 7d, got "0d"'],
    [['reconcile', '--since', '91d'], 'error: --since must be a number of days from 1 to 90, like 7d, got "91d"'],
    [['reconcile', '--since', 'week'], 'error: --since must be a number of days from 1 to 90, like 7d, got "week"'],
    [['reconcile', '--since', '7d', '--dry-run'], 'error: reconcile does not take --dry-run'],
    [['reconcile', '--since', '7d', '--account', 'nobody'], 'error: unknown account "nobody" (configured: acme, manual)'],
  ])('exits with 2, the reason and the usage for %j', async (argv, reason) => {
    // Act
    const { code, output } = await cli(...argv);

    // Assess
    expect(code).toBe(2);
    expect(output.split('\n')[0]).toBe(reason);
    expect(output).toContain('Usage: shipstation-klaviyo <command> [options]');
  });
});

describe('DynamoDbEventLedger.status', () => {
  it('tells sent, suppressed, dead-lettered (final or a record only), in flight, abandoned and unknown events apart, read-only', async () => {
    // Prepare
    const ledger = new DynamoDbEventLedger(aws.dynamodb, aws.tableName);
    const now = new Date();
    const later = new Date(now.getTime() + 10 * 60_000);
    const claim = async (id: string): Promise<string> => {
      const claimed = await ledger.claim('ledger', id, now);
      if (claimed.status !== 'claimed') throw new Error(`${id} not claimed`);
      return claimed.claimId;
    };
    await ledger.markSent('ledger', 'sent', await claim('sent'), 'Order Shipped', now);
    await ledger.suppress('ledger', 'suppressed', 'voided before it was sent', now);
    const record = { accountId: 'ledger', metric: 'Order Shipped', orderId: 1, reason: 'refused', body: {}, at: now.toISOString() };
    await ledger.deadLetter({ ...record, uniqueId: 'dead' }, await claim('dead'));
    await ledger.deadLetter({ ...record, uniqueId: 'record-only' });
    await claim('pending');

    // Act
    const ids = ['sent', 'suppressed', 'dead', 'record-only', 'pending', 'unknown'];
    const statuses = await Promise.all(ids.map((id) => ledger.status('ledger', id, now)));
    const afterLease = await ledger.status('ledger', 'pending', later);

    // Assess
    expect(statuses).toEqual(['sent', 'suppressed', 'dead-lettered', 'dead-lettered', 'in-flight', 'none']);
    expect(afterLease).toBe('abandoned');
    expect((await ledger.claim('ledger', 'pending', now)).status).toBe('in-flight');
  });
});
